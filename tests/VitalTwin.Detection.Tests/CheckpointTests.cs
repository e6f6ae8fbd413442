using VitalTwin.Detection;

namespace VitalTwin.Detection.Tests;

public class CheckpointTests
{
    public static TheoryData<string, int> Cuts => new()
    {
        { "iid-spike", 0 }, { "iid-spike", 1 }, { "iid-spike", 37 }, { "iid-spike", 100 }, { "iid-spike", 1500 },
        { "iid-cp-power", 0 }, { "iid-cp-power", 5 }, { "iid-cp-power", 20 }, { "iid-cp-power", 1500 },
        { "iid-cp-mixture", 3 }, { "iid-cp-mixture", 900 },
    };

    [Theory]
    [MemberData(nameof(Cuts))]
    public void A_detector_restored_mid_stream_continues_bit_for_bit(string detector, int cut)
    {
        var series = Series();
        var original = Create(detector);
        for (int i = 0; i < cut; i++)
        {
            Update(original, series[i]);
        }

        var restored = DetectorCheckpoint.Restore(DetectorCheckpoint.Save(original));

        Assert.Equal(original.Kind, restored.Kind);
        for (int i = cut; i < series.Length; i++)
        {
            Assert.Equal(Update(original, series[i]), Update(restored, series[i]));
        }
    }

    [Fact]
    public void A_truncated_checkpoint_is_refused()
    {
        var detector = new IidSpikeDetector(99, 10);
        for (int i = 0; i < 20; i++)
        {
            detector.Update(i);
        }
        var checkpoint = DetectorCheckpoint.Save(detector);

        Assert.Throws<InvalidDataException>(() => DetectorCheckpoint.Restore(checkpoint.AsSpan(0, checkpoint.Length - 3)));
        Assert.Throws<InvalidDataException>(() => DetectorCheckpoint.Restore([.. checkpoint, 0]));
        Assert.Throws<InvalidDataException>(() => DetectorCheckpoint.Restore([2, .. checkpoint[1..]]));
        Assert.Throws<InvalidDataException>(() => DetectorCheckpoint.Restore([1, 99, .. checkpoint[2..]]));
    }

    private static IStatefulDetector Create(string detector) => detector switch
    {
        "iid-spike" => new IidSpikeDetector(99, 100),
        "iid-cp-power" => new IidChangePointDetector(95, 20),
        "iid-cp-mixture" => new IidChangePointDetector(95, 20, MartingaleType.Mixture),
        _ => throw new ArgumentOutOfRangeException(nameof(detector)),
    };

    // Outputs as a tuple of raw bits, so that equality means bit-identical (NaN included).
    private static (bool, long, long, long) Update(IStatefulDetector detector, float value) => detector switch
    {
        IidSpikeDetector spike when spike.Update(value) is var r => (r.Alert, Bits(r.RawScore), Bits(r.PValue), Bits(spike.BaselineMean)),
        IidChangePointDetector cp when cp.Update(value) is var r => (r.Alert, Bits(r.PValue), Bits(r.Martingale), Bits(cp.BaselineMean)),
        _ => throw new ArgumentOutOfRangeException(nameof(detector)),
    };

    private static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);

    private static float[] Series()
    {
        // Noise with a level shift and a few spikes, so alerts, cooldowns and martingales all come into play.
        var random = new Random(7);
        return Enumerable.Range(0, 3000)
            .Select(i => (float)((i < 1800 ? 10 : 14) + random.NextDouble() + (i % 433 == 0 ? 8 : 0)))
            .ToArray();
    }
}
