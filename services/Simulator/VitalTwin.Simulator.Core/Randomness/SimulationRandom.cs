namespace VitalTwin.Simulator.Core.Randomness;

/// <summary>
/// xoshiro256** seeded through SplitMix64: fast, and its sequence is fixed by this code alone, so a scenario
/// replays identically on every runtime (System.Random makes no such promise across versions).
/// </summary>
internal sealed class SimulationRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double _spareGaussian;
    private bool _hasSpareGaussian;

    public SimulationRandom(ulong seed)
    {
        var state = seed;
        _s0 = SplitMix64(ref state);
        _s1 = SplitMix64(ref state);
        _s2 = SplitMix64(ref state);
        _s3 = SplitMix64(ref state);
    }

    /// <summary>
    /// An independent generator for one purpose and index under a scenario seed, so that what one patient draws
    /// never shifts what another draws.
    /// </summary>
    public static SimulationRandom For(long seed, RandomPurpose purpose, int index)
    {
        var state = unchecked((ulong)seed);
        var mixed = SplitMix64(ref state);
        state = mixed ^ unchecked(((ulong)purpose << 32) | (uint)index);
        return new SimulationRandom(SplitMix64(ref state));
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double NextBetween(double min, double max) => min + (NextDouble() * (max - min));

    public TimeSpan NextBetween(TimeSpan min, TimeSpan max) =>
        min + TimeSpan.FromTicks((long)(NextDouble() * (max - min).Ticks));

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int maxExclusive) => (int)(((NextUInt64() >> 32) * (ulong)maxExclusive) >> 32);

    public bool NextBool(double probability) => NextDouble() < probability;

    /// <summary>Standard normal (Marsaglia's polar method; the second value of each pair is kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_hasSpareGaussian)
        {
            _hasSpareGaussian = false;
            return _spareGaussian;
        }
        double u, v, s;
        do
        {
            u = (2 * NextDouble()) - 1;
            v = (2 * NextDouble()) - 1;
            s = (u * u) + (v * v);
        }
        while (s >= 1 || s == 0);
        var factor = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareGaussian = v * factor;
        _hasSpareGaussian = true;
        return u * factor;
    }

    public double NextNormal(double mean, double standardDeviation) => mean + (standardDeviation * NextGaussian());

    /// <summary>Waiting time of a Poisson process with the given mean interval.</summary>
    public TimeSpan NextExponential(TimeSpan mean) => TimeSpan.FromTicks((long)(-Math.Log(1 - NextDouble()) * mean.Ticks));

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}

/// <summary>What a derived generator is for; each purpose has its own sequence.</summary>
internal enum RandomPurpose
{
    Cohort = 1,
    Patient = 2,
    Device = 3,
    Signal = 4,
}
