#!/usr/bin/env bash
# Binarly firmware scan for a GitHub Actions job: find the product (or create it), upload the image, wait
# for the scan, and fail the job when a finding's issue status is in FAIL_ON_STATUS. Run it in a step after
# binarly-m2m-auth with `token-command: true`: every API call takes a fresh token from `binarly-token`, so
# a scan that outlives several tokens still completes. Only endpoints and fields Binarly documents are used;
# where the docs are silent, a comment says so. Needs bash 4 or later, curl and jq (all on GitHub's ubuntu
# runners; macOS ships bash 3).
#
# Usage: binarly-scan.sh IMAGE_FILE
#
#   BINARLY_API_URL        the base URL of your Binarly API (required; ask Binarly support, or your admin)
#   BINARLY_PRODUCT_ID     the product to scan into (its ULID); or
#   BINARLY_PRODUCT_NAME   a name to create a new product with, when BINARLY_PRODUCT_ID is empty
#   BINARLY_IMAGE_NAME     the image's name (default: the file's name)
#   BINARLY_IMAGE_VERSION  the image's version, e.g. 1.4.2 (optional)
#   FAIL_ON_STATUS         issue statuses that fail the job (default new,inProgress; also remediated, rejected)
#   BINARLY_POLL_INTERVAL  seconds between two looks at the scan (default 30, as in Binarly's sample)
#   BINARLY_SCAN_TIMEOUT   seconds to wait for the scan at most (default 7200)
set -euo pipefail

api="${BINARLY_API_URL:-}"
image_file="${1:-}"
product_id="${BINARLY_PRODUCT_ID:-}"
product_name="${BINARLY_PRODUCT_NAME:-}"
fail_on="${FAIL_ON_STATUS:-new,inProgress}"
interval="${BINARLY_POLL_INTERVAL:-30}"
scan_timeout="${BINARLY_SCAN_TIMEOUT:-7200}"
statuses=(new inProgress remediated rejected)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
body="$work/body"

# One line for the log: no control characters, no workflow command (`::` at the start, `##[` anywhere).
inert() { tr -d '\000-\037\177' | sed 's/##\[/# #[/g' | cut -c1-300; }

# An error annotation (on stderr: the runner reads workflow commands from both streams), then the end.
die() {
  local message="$1"
  message="${message//'%'/'%25'}"
  echo "::error title=Binarly scan::${message//$'\n'/'%0A'}" >&2
  exit 1
}

# What the server said, for a failure message: its `message` field ([3P-spec]: Binarly's docs give no error
# body), else the start of the body.
said() { { jq -r '.message // empty' "$body" 2>/dev/null || head -c 300 "$body"; } | inert; }

[ -n "$api" ] || die "BINARLY_API_URL is empty: set it to the base URL of your Binarly API (Binarly's docs do not give it: ask Binarly support, or the admin of your on-premises installation)."
api="${api%/}"
[ -n "$image_file" ] || die "Usage: binarly-scan.sh IMAGE_FILE (the firmware image to scan)."
[ -f "$image_file" ] || die "The image file $image_file does not exist: build it before this step, or fix the path."
[[ "$interval" =~ ^[1-9][0-9]*$ ]] || die "BINARLY_POLL_INTERVAL \"$interval\" is not a whole number of seconds (1 or more)."
[[ "$scan_timeout" =~ ^[1-9][0-9]*$ ]] || die "BINARLY_SCAN_TIMEOUT \"$scan_timeout\" is not a whole number of seconds (1 or more)."
IFS=',' read -r -a fail_list <<<"${fail_on// /}"
for issue in "${fail_list[@]}"; do
  [[ " ${statuses[*]} " == *" $issue "* ]] || die "FAIL_ON_STATUS: \"$issue\" is not an issue status: use a comma-separated list of new, inProgress, remediated, rejected."
done
[ "${#fail_list[@]}" -gt 0 ] || die "FAIL_ON_STATUS is empty: use a comma-separated list of new, inProgress, remediated, rejected."

# Sends the Authorization header to curl on its standard input: never in curl's arguments, which every
# process on the machine can read.
send() {
  local token="$1"
  shift
  printf 'Authorization: Bearer %s\n' "$token" | curl --silent --show-error --header @- \
    --output "$body" --write-out '%{http_code}' "$@"
}

# call WHAT CURL_ARGS...: one API call with a fresh token from binarly-token; the answer in $body, the HTTP
# status in $http_status. On 401 the token was refused before its time (revoked, a key rotation): renew it once
# (the refused token on standard input) and repeat the call; a second 401 is a real refusal.
call() {
  local what="$1" token
  shift
  token=$(binarly-token)
  http_status=$(send "$token" "$@") || die "$what: the request to $api failed (curl exit $?): check BINARLY_API_URL and the runner's network."
  if [ "$http_status" = 401 ]; then
    echo "$what: HTTP 401, the token was refused; getting a new one and trying once more."
    token=$(printf '%s\n' "$token" | binarly-token --renew)
    http_status=$(send "$token" "$@") || die "$what: the request to $api failed (curl exit $?): check BINARLY_API_URL and the runner's network."
    if [ "$http_status" = 401 ]; then
      die "$what: HTTP 401 with a new token too: Binarly refuses this client. Check the client's service-account roles in Keycloak (realm BinarlyRealm, the client's Service accounts roles tab), or ask Binarly support which permissions your M2M client has. The server said: $(said)"
    fi
  fi
}

# expect WHAT STATUS...: fail unless $http_status is one of them, naming the call and the server's answer.
expect() {
  local what="$1"
  shift
  local ok
  for ok in "$@"; do [ "$http_status" = "$ok" ] && return 0; done
  case "$http_status" in
    403) die "$what: HTTP 403: the client lacks a permission for this call; check its service-account roles in Keycloak. The server said: $(said)" ;;
    404) die "$what: HTTP 404: not found; check BINARLY_API_URL and BINARLY_PRODUCT_ID. The server said: $(said)" ;;
    *) die "$what: HTTP $http_status. The server said: $(said)" ;;
  esac
}

json() { jq -r "$1" "$body" 2>/dev/null || die "Binarly's answer is not the JSON expected (HTTP $http_status)."; }

# Binarly returns a product's id as "products/<ULID>" while paths take the bare ULID; other ids may come as
# paths too (`parent` fields do): `${id##*/}` keeps the last segment.

# 1. The product: confirm BINARLY_PRODUCT_ID, or create one by name. Binarly documents no way to find a
# product by name, so a name always creates a new product: store its id as BINARLY_PRODUCT_ID afterwards,
# since Binarly compares an image with the earlier versions in the same product.
if [ -n "$product_id" ]; then
  product_id=${product_id##*/}
  call "Checking product $product_id" --request GET "$api/api/v4/products/$product_id"
  expect "Checking product $product_id" 200
  echo "Product $product_id: $(json .name | inert)"
elif [ -n "$product_name" ]; then
  jq -n --arg name "$product_name" '{name: $name}' >"$work/product.json"
  call "Creating product" --request POST --header 'Content-Type: application/json' \
    --data-binary "@$work/product.json" "$api/api/v4/products"
  # 409 is listed in [3P-spec] only (not in Binarly's docs); probably a product with that name exists.
  [ "$http_status" != 409 ] || die "Creating product: HTTP 409: a product named \"$product_name\" probably exists already; set BINARLY_PRODUCT_ID to its id."
  expect "Creating product" 200 201
  product_id=$(json .id)
  product_id=${product_id##*/}
  echo "Created product $product_id; set BINARLY_PRODUCT_ID=$product_id for the next scans of this firmware."
else
  die "Set BINARLY_PRODUCT_ID (the product to scan into) or BINARLY_PRODUCT_NAME (to create a product)."
fi

# 2. The upload, in Binarly's three parts. a) a pre-signed, time-limited upload URL (its lifetime is not
# documented, so the bytes follow at once).
call "Getting an upload URL" --request GET "$api/api/v4/products/$product_id/tempFiles:generateUploadUrl"
expect "Getting an upload URL" 200
temp_id=$(json .id)
# Quoted for curl's config syntax (a backslash before every backslash and double quote).
upload_url=$(json .uploadUrl | sed 's/[\\"]/\\&/g')

# b) The bytes, to the pre-signed URL with no Authorization header (the URL carries its own signature, so
# it goes to curl as a config line on standard input, not in its arguments). The Content-Type the storage
# expects is not documented: curl sends none of its own with --upload-file.
upload_status=$(printf 'url = "%s"\n' "$upload_url" | curl --config - --silent --show-error \
  --request PUT --upload-file "$image_file" --output "$body" --write-out '%{http_code}') ||
  die "Uploading $image_file to the pre-signed URL failed (curl exit $?): check the runner's network."
[ "$upload_status" = 200 ] || die "Uploading $image_file to the pre-signed URL: HTTP $upload_status (Binarly: go on only after 200)."

# c) Finalize, which starts the scan. Binarly notes the API still demands `file` when tempFileId is given
# (the content used comes from the upload); whether a placeholder would do is not documented, so the image
# is sent again. Never retried on anything but 401 (refused before anything was created): each success
# creates an image and starts a scan.
image_name="${BINARLY_IMAGE_NAME:-$(basename "$image_file")}"
version_field=()
[ -z "${BINARLY_IMAGE_VERSION:-}" ] || version_field=(--form-string "version=$BINARLY_IMAGE_VERSION")
call "Finishing the upload" --request POST --form-string "tempFileId=$temp_id" \
  --form-string "imageName=$image_name" "${version_field[@]}" --form "file=@$image_file" \
  "$api/api/v4/products/$product_id/images:upload"
expect "Finishing the upload" 200 201
image_id=$(json .id)
image_id=${image_id##*/}
scan_id=$(json '(.latestScan.id // .scans[0].id // empty)')
[ -n "$scan_id" ] || die "Finishing the upload: Binarly answered without a scan (no latestScan or scans[0]); check the image in Binarly's web UI."
scan_id=${scan_id##*/}
echo "Uploaded image $image_id ($(inert <<<"$image_name")); scan $scan_id started."

# 3. Wait for the scan (get-scan's latestScanState.type), checking every BINARLY_POLL_INTERVAL seconds until
# BINARLY_SCAN_TIMEOUT. Binarly's pages name different states: completed (done in [3P-spec]) is success;
# failed and cancelled end the wait; new, running and in_progress mean wait; anything else (no_scans,
# status_unavailable) is waited out too, and named if it lasts until the deadline.
started=$SECONDS
deadline=$((SECONDS + scan_timeout))
state=''
while :; do
  call "Checking scan $scan_id" --retry 3 --request GET \
    "$api/api/v4/products/$product_id/images/$image_id/scans/$scan_id"
  expect "Checking scan $scan_id" 200
  new_state=$(json '.latestScanState.type // "unknown"' | inert)
  [ "$new_state" = "$state" ] || echo "Scan $scan_id: $new_state after $((SECONDS - started)) s"
  state=$new_state
  case "$state" in
    completed | done) break ;;
    failed | cancelled) break ;;
  esac
  if [ $((SECONDS + interval)) -gt "$deadline" ]; then
    hint=''
    [ "$state" != no_scans ] || hint=' (no_scans: Binarly says to check the upload)'
    [ "$state" != status_unavailable ] || hint=' (status_unavailable: Binarly says to contact support if it persists)'
    die "Scan $scan_id is still $state$hint after ${scan_timeout} s (BINARLY_SCAN_TIMEOUT): raise it for big images (Binarly: 10 to 60 minutes up to 500 MB, more beyond), or look at the scan in Binarly's web UI."
  fi
  sleep "$interval"
done

# 4. The findings of this image, by issue status (the findings grid; issueStatus takes `in` with an array,
# and the total counts, as rows are one page only).
declare -A count=()
# grid STATUSES: how many findings of the image have one of these statuses (comma-separated), in $total.
grid() {
  jq -n --arg image "$image_id" --arg list "$1" \
    '{filters: [{field: "imageId", value: $image, comparator: "equals"},
                {field: "issueStatus", value: ($list | split(",")), comparator: "in"}]}' >"$work/filters.json"
  call "Querying findings" --retry 3 --request POST --header 'Content-Type: application/json' \
    --data-binary "@$work/filters.json" "$api/api/v4/grids/findings:gridList"
  expect "Querying findings" 200
  total=$(json '.total')
  [[ "$total" =~ ^[0-9]+$ ]] || die "Querying findings: the answer has no total."
}
completed=false
case "$state" in completed | done) completed=true ;; esac
failing=0
if $completed; then
  for issue in "${statuses[@]}"; do
    grid "$issue"
    count[$issue]=$total
  done
  grid "$(IFS=,; echo "${fail_list[*]}")"
  failing=$total
fi

# 5. Pass or fail, and the job summary (no token, nothing secret).
if ! $completed; then
  verdict="failed: the scan ended $state"
elif [ "$failing" -gt 0 ]; then
  verdict="failed: $failing finding(s) with a status in FAIL_ON_STATUS ($fail_on)"
else
  verdict="passed: no finding with a status in FAIL_ON_STATUS ($fail_on)"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cell() { inert <<<"$1" | sed 's/|/\\|/g'; }
  {
    echo '### Binarly scan'
    echo
    echo '| | |'
    echo '| --- | --- |'
    echo "| Product | \`$product_id\` |"
    echo "| Image | $(cell "$image_name")${BINARLY_IMAGE_VERSION:+ $(cell "$BINARLY_IMAGE_VERSION")} (\`$image_id\`) |"
    echo "| Scan | \`$scan_id\`: $state after $((SECONDS - started)) s |"
    if $completed; then
      for issue in "${statuses[@]}"; do echo "| Findings $issue | ${count[$issue]} |"; done
    fi
    echo "| FAIL_ON_STATUS | $(cell "$fail_on") |"
    echo "| Result | **$verdict** |"
  } >>"$GITHUB_STEP_SUMMARY"
fi
[ "${verdict%%:*}" = passed ] || die "Binarly scan $scan_id $verdict."
echo "Binarly scan $scan_id $verdict."
