import { describe, expect, it } from 'vitest';
import { deniedNames, hintContradictions } from './hintFit.ts';

describe('hintContradictions', () => {
  it('flags a hint that denies a name the found line shows', () => {
    // The private-registry wrong-tag attempt, as it was answered before its own hint existed.
    expect(hintContradictions('The registry holds a repository, but not one named my-image. Tag the image as localhost:5000/my-image.', 'registry has my-image')).toEqual(['my-image']);
    expect(hintContradictions('node1 has no busybox:latest image yet.', 'busybox:latest (3f2a…) on node1')).toEqual(['busybox:latest']);
  });

  it('passes hints that deny what the found line denies too, or other names', () => {
    expect(hintContradictions('There is no container named site on node1 yet.', 'no container named site on node1')).toEqual([]);
    expect(hintContradictions('A busybox container exists, but it is not named api-made.', 'a busybox container named lucid_hopper')).toEqual([]);
    expect(hintContradictions('node1 has no localhost:5000/my-image yet.', 'no localhost:5000/my-image:latest on node1')).toEqual([]);
    // A longer name holding the denied one is another name.
    expect(hintContradictions('remote-docker-engine has no my-image from the registry yet.', 'node1:5000/my-image:latest on node1')).toEqual([]);
    expect(hintContradictions('The registry has my-image, but not with the tag latest.', 'registry has my-image with the tag v1, not latest')).toEqual([]);
    expect(hintContradictions('anything', undefined)).toEqual([]);
  });

  it('reads names out of the usual ways of saying "not there"', () => {
    expect([...deniedNames('no image named localhost:5000/my-nginx:v1 yet; not one named web; node1 has no hello; no my-image on node1')]).toEqual([
      'web', 'localhost:5000/my-nginx:v1', 'hello', 'my-image',
    ]);
  });
});
