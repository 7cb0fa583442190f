import { describe, expect, it } from 'vitest';
import { DebootstrapTracker } from './debootstrap.ts';

const RUN = `I: Retrieving InRelease
I: Checking Release signature
I: Valid Release signature (key id 4D64FEC119C2029067D6E791F8D2585B8783D481)
I: Retrieving Packages
I: Validating Packages
I: Resolving dependencies of required packages...
I: Resolving dependencies of base packages...
I: Checking component main on http://deb.debian.org/debian...
I: Retrieving adduser 3.134
I: Validating adduser 3.134
I: Retrieving apt 2.6.1
I: Validating apt 2.6.1
I: Chosen extractor for .deb packages: dpkg-deb
I: Extracting adduser...
I: Extracting apt...
I: Installing core packages...
I: Unpacking required packages...
I: Unpacking adduser...
I: Configuring required packages...
I: Configuring adduser...
I: Unpacking the base system...
I: Unpacking docker.io...
I: Configuring the base system...
I: Configuring docker.io...
I: Configuring libc-bin...
I: Base system installed successfully.
`;

describe('DebootstrapTracker', () => {
  it('walks the stages in order with a percent that never goes back', () => {
    const t = new DebootstrapTracker();
    const seen: { phase: string; percent: number }[] = [];
    // Output arrives in arbitrary chunks, lines split across them.
    for (let i = 0; i < RUN.length; i += 37) {
      const p = t.feed(RUN.slice(i, i + 37));
      if (p) seen.push(p);
    }
    const phases = [...new Set(seen.map((s) => s.phase))];
    expect(phases).toEqual([
      'resolving packages',
      'downloading packages',
      'extracting packages',
      'installing required packages',
      'unpacking the base system',
      'configuring packages',
      'base system installed',
    ]);
    const pcts = seen.map((s) => s.percent);
    expect([...pcts].sort((a, b) => a - b)).toEqual(pcts);
    expect(t.progress.percent).toBe(100);
  });

  it('ignores lines that are not progress', () => {
    const t = new DebootstrapTracker();
    expect(t.feed('W: Cannot check Release signature\nrandom noise\n')).toBeUndefined();
    expect(t.progress).toEqual({ phase: 'starting debootstrap', percent: 0 });
  });
});
