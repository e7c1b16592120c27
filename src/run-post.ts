/** The post step: runs when the job ends. Until revocation lands it only returns. */
import type { Deps } from './deps.js'

export async function runPost(deps: Pick<Deps, 'core'>): Promise<void> {
  deps.core.debug('Post step: nothing to do.')
}
