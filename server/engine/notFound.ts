/**
 * What an engine lookup found: dockerode rejects with statusCode 404 when the engine has no such
 * container or image, and here that answer is undefined. Any other failure (engine gone, 500) rejects.
 */
export async function unlessNotFound<T>(lookup: Promise<T>): Promise<T | undefined> {
  try {
    return await lookup;
  } catch (err) {
    if (typeof err === 'object' && err !== null && (err as { statusCode?: unknown }).statusCode === 404) return undefined;
    throw err;
  }
}
