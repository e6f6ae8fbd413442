namespace VitalTwin.Detection.Tests;

/// <summary>A detector retuned while it runs alerts as one built at the new confidence would, with what it learnt kept.</summary>
public class RetuneTests
{
    private static readonly float[] Values = Noise(seed: 11, count: 900);

    [Fact]
    public void A_spike_detector_retuned_mid_stream_alerts_exactly_as_one_built_at_that_confidence()
    {
        var built = new IidSpikeDetector(99, 120);
        var retuned = new IidSpikeDetector(99.9, 120);
        foreach (var value in Values[..300])
        {
            built.Update(value);
            retuned.Update(value);
        }

        retuned.Retune(99);

        var expected = Values[300..].Select(v => built.Update(v)).ToList();
        Assert.Contains(expected, r => r.Alert);
        Assert.Equal(expected, Values[300..].Select(v => retuned.Update(v)));
        Assert.Equal(built.AlertThreshold, retuned.AlertThreshold);
    }

    [Fact]
    public void A_change_point_detector_retuned_takes_the_threshold_of_its_new_confidence_and_keeps_its_martingale()
    {
        var built = new IidChangePointDetector(90, 20, MartingaleType.Mixture);
        var retuned = new IidChangePointDetector(95, 20, MartingaleType.Mixture);
        var last = default(ChangePointResult);
        foreach (var value in Values[..200])
        {
            built.Update(value);
            last = retuned.Update(value);
        }

        retuned.Retune(90);

        Assert.Equal(built.AlertThreshold, retuned.AlertThreshold);
        Assert.Equal(built.Update(Values[200]).Martingale, retuned.Update(Values[200]).Martingale);
        Assert.True(double.IsFinite(last.Martingale));
    }

    private static float[] Noise(int seed, int count)
    {
        var random = new Random(seed);
        // Gaussian noise with a jump of 2 to 6 standard deviations every 50 values.
        return [.. Enumerable.Range(0, count).Select(i => (float)(72 + (3 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))
            + (i % 50 == 49 ? 3 * (2 + (i / 50 % 5)) : 0)))];
    }
}
