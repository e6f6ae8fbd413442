using Xunit.Abstractions;

namespace VitalTwin.Detection.Tests;

public sealed class SlidingDftTests(ITestOutputHelper output)
{
    // The spectrum is rounded to float32 (relative resolution 6e-8) right after the transform; drift must stay far below that.
    private const double DriftBound = 1e-10;

    [Fact]
    public void Sliding_bins_stay_within_1e_10_of_direct_ones_over_a_million_points()
    {
        double drift = MaxDrift(SlidingDft.DefaultResyncInterval);

        output.WriteLine($"max deviation of a bin from the direct transform, relative to the largest bin: {drift:E3}");
        Assert.True(drift < DriftBound, $"drift {drift:E3}");
    }

    [Fact]
    public void Without_recomputation_the_bins_would_drift_beyond_the_bound()
    {
        double drift = MaxDrift(int.MaxValue);

        output.WriteLine($"never recomputed: {drift:E3}");
        Assert.True(drift > DriftBound, $"drift {drift:E3}");
    }

    // Levels alternate between 1e4 and 1e-1 every 5,000 points: rounding left by the large values dwarfs the small
    // ones' bins until the next recomputation.
    private static double MaxDrift(int resyncInterval)
    {
        const int windowSize = 64;
        const int length = 69;
        const int points = 1_000_000;
        var sliding = new SlidingDft(windowSize, length, resyncInterval);
        var direct = new SlidingDft(windowSize, length, resyncInterval: 1);
        var ring = new float[windowSize];
        var slidingRe = new double[length];
        var slidingIm = new double[length];
        var directRe = new double[length];
        var directIm = new double[length];
        var random = new Random(17);
        int oldest = 0;
        double worst = 0;
        for (int i = 0; i < points; i++)
        {
            double level = i / 5_000 % 2 == 0 ? 1e4 : 0.1;
            float value = (float)(level * (1 + (0.1 * Math.Sin(i / 7.0)) + (0.05 * random.NextDouble())));
            float evicted = ring[oldest];
            ring[oldest] = value;
            oldest = (oldest + 1) % windowSize;
            if (i < windowSize - 1)
            {
                continue;
            }

            sliding.Advance(ring, oldest, evicted);
            direct.Advance(ring, oldest, evicted);
            sliding.Spectrum(0, slidingRe, slidingIm);
            direct.Spectrum(0, directRe, directIm);
            double largest = 0;
            double deviation = 0;
            for (int k = 0; k < length; k++)
            {
                largest = Math.Max(largest, Math.Max(Math.Abs(directRe[k]), Math.Abs(directIm[k])));
                deviation = Math.Max(deviation, Math.Max(Math.Abs(slidingRe[k] - directRe[k]), Math.Abs(slidingIm[k] - directIm[k])));
            }

            worst = Math.Max(worst, deviation / largest);
        }

        return worst;
    }
}
