namespace VitalTwin.Detection.Tests;

public sealed class SsaCheckpointTests
{
    private const int Training = 300;

    // Cuts before training, while the training window fills, at the point it completes, and well after.
    public static TheoryData<string, int> Cuts => new()
    {
        { "ssa-spike", 0 }, { "ssa-spike", 1 }, { "ssa-spike", 150 }, { "ssa-spike", Training - 1 }, { "ssa-spike", Training },
        { "ssa-spike", Training + 1 }, { "ssa-spike", 900 },
        { "ssa-cp", 0 }, { "ssa-cp", 77 }, { "ssa-cp", Training - 1 }, { "ssa-cp", Training }, { "ssa-cp", 1200 },
        { "ssa-cp-mixture", 150 }, { "ssa-cp-mixture", 1000 },
        { "ssa-spike-parity", 0 }, { "ssa-spike-parity", 450 },
    };

    [Theory]
    [MemberData(nameof(Cuts))]
    public void A_detector_restored_mid_stream_continues_bit_for_bit(string detector, int cut)
    {
        float[] series = Series();
        var original = Create(detector, series);
        for (int i = 0; i < cut; i++)
        {
            Update(original, series[i]);
        }

        var restored = DetectorCheckpoint.Restore(DetectorCheckpoint.Save(original));

        Assert.Equal(original.Kind, restored.Kind);
        int alerts = 0;
        for (int i = cut; i < series.Length; i++)
        {
            var expected = Update(original, series[i]);
            Assert.Equal(expected, Update(restored, series[i]));
            alerts += expected.Alert ? 1 : 0;
        }

        Assert.True(cut > 1000 || alerts > 0, "the rest of the series should exercise alerts");
    }

    [Fact]
    public void A_damaged_checkpoint_is_refused()
    {
        var detector = new SsaSpikeDetector(99, 30, 100, 10);
        float[] series = Series();
        for (int i = 0; i < 150; i++)
        {
            detector.Update(series[i]);
        }

        byte[] checkpoint = DetectorCheckpoint.Save(detector);

        Assert.Throws<InvalidDataException>(() => DetectorCheckpoint.Restore(checkpoint.AsSpan(0, checkpoint.Length - 5)));
        Assert.Throws<InvalidDataException>(() => DetectorCheckpoint.Restore([.. checkpoint, 0]));

        // The seasonality window (bytes 14..17, after version, kind, confidence and training size) at 1 is invalid.
        byte[] badWindow = [.. checkpoint];
        BitConverter.GetBytes(1).CopyTo(badWindow, 14);
        Assert.Throws<InvalidDataException>(() => DetectorCheckpoint.Restore(badWindow));
    }

    [Fact]
    public void A_checkpoint_taken_while_training_keeps_the_buffered_values()
    {
        var detector = new SsaChangePointDetector(95, 20, 100, 10);
        float[] series = Series();
        for (int i = 0; i < 60; i++)
        {
            detector.Update(series[i]);
        }

        var restored = (SsaChangePointDetector)DetectorCheckpoint.Restore(DetectorCheckpoint.Save(detector));
        for (int i = 60; i < 100; i++)
        {
            Assert.Equal(detector.Update(series[i]), restored.Update(series[i]));
        }

        Assert.True(restored.IsTrained);
        Assert.Equal(detector.Rank, restored.Rank);
        Assert.Equal(detector.ExpectedValue, restored.ExpectedValue);
    }

    private static IStatefulDetector Create(string detector, float[] series) => detector switch
    {
        "ssa-spike" => new SsaSpikeDetector(99, 100, Training, 24),
        "ssa-cp" => new SsaChangePointDetector(95, 20, Training, 24),
        "ssa-cp-mixture" => new SsaChangePointDetector(90, 20, Training, 24, ErrorFunction.AbsoluteDifference, MartingaleType.Mixture),
        "ssa-spike-parity" => SsaSpikeDetector.ForMlNetParity(series, 99, 100, Training, 24, AnomalySide.Positive),
        _ => throw new ArgumentOutOfRangeException(nameof(detector)),
    };

    // Outputs as raw bits, so equality means bit-identical (NaN included).
    private static (bool Alert, long Raw, long PValue, long Martingale, long Expected) Update(IStatefulDetector detector, float value) => detector switch
    {
        SsaSpikeDetector spike when spike.Update(value) is var r =>
            (r.Alert, Bits(r.RawScore), Bits(r.PValue), 0, Bits(spike.ExpectedValue)),
        SsaChangePointDetector cp when cp.Update(value) is var r =>
            (r.Alert, Bits(r.RawScore), Bits(r.PValue), Bits(r.Martingale), Bits(cp.ExpectedValue)),
        _ => throw new ArgumentOutOfRangeException(nameof(detector)),
    };

    private static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);

    private static float[] Series()
    {
        // A noisy season with spikes, a gap and a change of period, so alerts, cooldowns and skipped values all occur.
        var random = new Random(3);
        return Enumerable.Range(0, 2000)
            .Select(i => i == 700 ? float.NaN : (float)(60 + (8 * Math.Sin(2 * Math.PI * i / (i < 1400 ? 24 : 17))) + random.NextDouble() + (i % 311 == 0 ? 12 : 0)))
            .ToArray();
    }
}
