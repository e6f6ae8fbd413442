using System.Text.Json;
using Xunit.Abstractions;

namespace VitalTwin.Detection.Tests;

public sealed class SrCnnDetectorTests(ITestOutputHelper output)
{
    [Fact]
    public void Matches_the_MLNET_AnomalyDetectionWithSrCnn_golden_test()
    {
        var golden = MlNetReference.Golden("SrCnnStreaming");
        var p = golden.GetProperty("params");
        var detector = new SrCnnDetector(
            Int(p, "windowSize"), Int(p, "backAddWindowSize"), Int(p, "lookaheadWindowSize"),
            Int(p, "averagingWindowSize"), Int(p, "judgementWindowSize"), p.GetProperty("threshold").GetDouble());
        float[] values = [.. SrCnnTestData.Timeseries("anomaly_detection.csv").Select(v => (float)v)];
        Assert.Equal(26, values.Length);

        var results = values.Select(detector.Update).ToArray();

        Assert.All(results.Take(15), r => Assert.Equal(default, r));
        Assert.True(results[15].Magnitude > 0, "the first full window is scored");
        Assert.Equal([20], Alerts(results));
        output.WriteLine(string.Join(Environment.NewLine, results.Select((r, i) => $"{i}: {r}")));
    }

    [Fact]
    public void Defaults_are_those_of_MLNET_DetectAnomalyBySrCnn()
    {
        var detector = new SrCnnDetector();

        Assert.Equal(
            (64, 5, 5, 3, 21, 0.3),
            (detector.WindowSize, detector.BackAddWindowSize, detector.LookaheadWindowSize, detector.AveragingWindowSize,
                detector.JudgementWindowSize, detector.Threshold));
        Assert.Equal(DetectorKind.SrCnn, detector.Kind);
    }

    [Fact]
    public void Warm_up_outputs_zeros_until_the_window_is_full()
    {
        var detector = new SrCnnDetector(windowSize: 10, judgementWindowSize: 5);

        for (int i = 0; i < 9; i++)
        {
            Assert.Equal(default, detector.Update(i * i));
        }

        Assert.NotEqual(default, detector.Update(1000));
    }

    [Fact]
    public void A_NaN_silences_scores_until_it_leaves_the_window_as_in_MLNET()
    {
        var detector = new SrCnnDetector(windowSize: 16, judgementWindowSize: 8);
        float[] values = [.. Enumerable.Range(0, 60).Select(i => (float)Math.Sin(i / 2.0))];
        values[20] = float.NaN;

        var results = values.Select(detector.Update).ToArray();

        Assert.All(results[20..36], r => Assert.True(double.IsNaN(r.RawScore) && !r.Alert));
        Assert.All(results[36..], r => Assert.False(double.IsNaN(r.RawScore)));
    }

    [Fact]
    public void Follows_a_direct_transcription_of_MLNET_on_noisy_data()
    {
        // The reference below is SrCnnAnomalyDetectionBase.SpectralResidual as written (lists, a direct O(N²) DFT
        // rounded to float): the detector's ring buffer, transforms and truncated averaging must not change outputs
        // beyond float rounding of the transform.
        const int windowSize = 24;
        var random = new Random(3);
        float[] values = [.. Enumerable.Range(0, 600).Select(i => (float)(Math.Sin(i / 5.0) + random.NextDouble() + (i % 97 == 0 ? 6 : 0)))];
        var detector = new SrCnnDetector(windowSize, 5, 5, 3, 21, 0.3);
        var raw = new MaxDeviation();
        var magnitude = new MaxDeviation();
        int alerts = 0;

        for (int i = 0; i < values.Length; i++)
        {
            var actual = detector.Update(values[i]);
            if (i < windowSize - 1)
            {
                Assert.Equal(default, actual);
                continue;
            }

            var expected = Reference(values.AsSpan(i - windowSize + 1, windowSize), 5, 5, 3, 21, 0.3);
            raw.Add(i, actual.RawScore, expected.RawScore);
            magnitude.Add(i, actual.Magnitude, expected.Magnitude);
            if (Math.Abs(Math.Clamp(expected.RawScore, 0, 1) - 0.3) > 1e-4)
            {
                Assert.True(expected.Alert == actual.Alert, $"alert differs at row {i}");
            }
            alerts += actual.Alert ? 1 : 0;
        }

        output.WriteLine($"{alerts} alerts; max relative error raw {raw}, magnitude {magnitude}");
        Assert.True(alerts > 0);
        Assert.True(raw.Relative < 1e-4, $"raw score: {raw}");
        Assert.True(magnitude.Relative < 1e-5, $"magnitude: {magnitude}");
    }

    [Fact]
    public void Over_a_million_points_alerts_match_a_detector_that_recomputes_the_transform_every_point()
    {
        // The golden tests' criterion: the same alerts wherever the score is not within 1e-4 of the threshold. A NaN
        // passes every 100,000 points (sliding cannot get rid of it; the detector must recompute once it has left).
        const int points = 1_000_000;
        var random = new Random(5);
        var sliding = new SrCnnDetector();
        var exact = new SrCnnDetector(64, 5, 5, 3, 21, 0.3, resyncInterval: 1);
        var raw = new MaxDeviation();
        var magnitude = new MaxDeviation();
        int alerts = 0;
        int nanScores = 0;
        for (int i = 0; i < points; i++)
        {
            float value = i % 100_000 == 50_000
                ? float.NaN
                : (float)(1 + (0.1 * Math.Sin(i / 7.0)) + (0.05 * random.NextDouble()) + (i % 997 == 0 ? 0.5 : 0));

            var expected = exact.Update(value);
            var actual = sliding.Update(value);
            raw.Add(i, actual.RawScore, expected.RawScore);
            magnitude.Add(i, actual.Magnitude, expected.Magnitude);
            if (Math.Abs(Math.Clamp(expected.RawScore, 0, 1) - 0.3) > 1e-4)
            {
                Assert.True(expected.Alert == actual.Alert, $"alert differs at point {i}");
            }

            alerts += actual.Alert ? 1 : 0;
            nanScores += double.IsNaN(actual.RawScore) ? 1 : 0;
        }

        // Deviations here are float32 rounding of the spectrum going the other way now and then, not drift:
        // recomputing every second point instead gives the same maxima.
        output.WriteLine($"{alerts} alerts, {nanScores} NaN scores; max relative deviation raw {raw}, magnitude {magnitude}");
        Assert.True(alerts > 1000, $"{alerts} alerts");
        Assert.Equal(10 * 64, nanScores);
        Assert.True(magnitude.Relative < 1e-5, $"magnitude: {magnitude}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(777)]
    public void A_detector_restored_mid_stream_continues_bit_for_bit(int cut)
    {
        float[] series = NoisySeries(2000);
        var original = new SrCnnDetector();
        for (int i = 0; i < cut; i++)
        {
            original.Update(series[i]);
        }

        var restored = (SrCnnDetector)DetectorCheckpoint.Restore(DetectorCheckpoint.Save(original));

        Assert.Equal(DetectorKind.SrCnn, restored.Kind);
        for (int i = cut; i < series.Length; i++)
        {
            Assert.Equal(Bits(original.Update(series[i])), Bits(restored.Update(series[i])));
        }
    }

    [Fact]
    public void Restores_the_parameters_and_refuses_broken_checkpoints()
    {
        var detector = new SrCnnDetector(30, 4, 3, 2, 9, 0.45);
        for (int i = 0; i < 50; i++)
        {
            detector.Update(i % 7);
        }
        byte[] checkpoint = DetectorCheckpoint.Save(detector);

        var restored = (SrCnnDetector)DetectorCheckpoint.Restore(checkpoint);

        Assert.Equal(
            (30, 4, 3, 2, 9, 0.45),
            (restored.WindowSize, restored.BackAddWindowSize, restored.LookaheadWindowSize, restored.AveragingWindowSize,
                restored.JudgementWindowSize, restored.Threshold));
        Assert.Throws<InvalidDataException>(() => DetectorCheckpoint.Restore(checkpoint.AsSpan(0, checkpoint.Length - 2)));
        Assert.Throws<InvalidDataException>(() => DetectorCheckpoint.Restore([.. checkpoint, 0]));

        // Window size 0 (first parameter, after the version and kind bytes).
        byte[] badWindow = [.. checkpoint];
        BitConverter.GetBytes(0).CopyTo(badWindow, 2);
        Assert.Throws<InvalidDataException>(() => DetectorCheckpoint.Restore(badWindow));

        // A count larger than the window (after five ints and the threshold).
        byte[] badCount = [.. checkpoint];
        BitConverter.GetBytes(31).CopyTo(badCount, 2 + (5 * sizeof(int)) + sizeof(double));
        Assert.Throws<InvalidDataException>(() => DetectorCheckpoint.Restore(badCount));
    }

    public static TheoryData<string, int, int, int, int, int, double> InvalidArguments => new()
    {
        { "backAddWindowSize", 64, 0, 5, 3, 21, 0.3 },
        { "lookaheadWindowSize", 64, 5, 0, 3, 21, 0.3 },
        { "lookaheadWindowSize", 10, 5, 11, 3, 5, 0.3 },
        { "windowSize", 10, 5, 9, 3, 5, 0.3 },
        { "averagingWindowSize", 64, 5, 5, 0, 21, 0.3 },
        { "averagingWindowSize", 16, 5, 5, 17, 8, 0.3 },
        { "judgementWindowSize", 64, 5, 5, 3, 0, 0.3 },
        { "judgementWindowSize", 16, 5, 5, 3, 17, 0.3 },
        { "threshold", 64, 5, 5, 3, 21, 0 },
        { "threshold", 64, 5, 5, 3, 21, 1 },
        { "threshold", 64, 5, 5, 3, 21, double.NaN },
    };

    [Theory]
    [MemberData(nameof(InvalidArguments))]
    public void Rejects_arguments_MLNET_rejects(string parameter, int window, int backAdd, int lookahead, int averaging, int judgement, double threshold)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new SrCnnDetector(window, backAdd, lookahead, averaging, judgement, threshold));
        Assert.Equal(parameter, ex.ParamName);
    }

    [Fact]
    public void Accepts_the_smallest_windows()
    {
        var detector = new SrCnnDetector(windowSize: 3, backAddWindowSize: 1, lookaheadWindowSize: 1, averagingWindowSize: 1, judgementWindowSize: 1, threshold: 0.5);

        detector.Update(1);
        detector.Update(2);
        var result = detector.Update(3);

        Assert.False(double.IsNaN(result.RawScore));
    }

    [Fact]
    public void Does_not_allocate_per_point_after_warm_up()
    {
        var detector = new SrCnnDetector();
        float[] series = NoisySeries(3000);
        int alerts = 0;
        for (int i = 0; i < 1000; i++)
        {
            alerts += detector.Update(series[i]).Alert ? 1 : 0;
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 1000; i < series.Length; i++)
        {
            alerts += detector.Update(series[i]).Alert ? 1 : 0;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        GC.KeepAlive(alerts);
        Assert.Equal(0, allocated);
    }

    private static int Int(JsonElement parameters, string name) => parameters.GetProperty(name).GetInt32();

    private static int[] Alerts(SrCnnResult[] results) =>
        [.. results.Select((r, i) => (r, i)).Where(x => x.r.Alert).Select(x => x.i)];

    private static (bool, long, long) Bits(SrCnnResult r) =>
        (r.Alert, BitConverter.DoubleToInt64Bits(r.RawScore), BitConverter.DoubleToInt64Bits(r.Magnitude));

    private static float[] NoisySeries(int length)
    {
        var random = new Random(11);
        return [.. Enumerable.Range(0, length).Select(i => (float)((10 * Math.Sin(i / 8.0)) + random.NextDouble() + (i % 301 == 0 ? 15 : 0)))];
    }

    private static SrCnnResult Reference(ReadOnlySpan<float> window, int backAdd, int lookahead, int averaging, int judgement, double threshold)
    {
        var data = window.ToArray().ToList();
        var predictArray = new List<float>();
        for (int i = data.Count - lookahead - 2; i < data.Count - 1; ++i)
        {
            predictArray.Add(data[i]);
        }
        int n = predictArray.Count;
        float slopeSum = 0.0f;
        for (int i = 0; i < n - 1; ++i)
        {
            slopeSum += (predictArray[n - 1] - predictArray[i]) / (n - 1 - i);
        }
        var backAddList = new List<float>(data);
        backAddList.AddRange(Enumerable.Repeat(predictArray[1] + slopeSum, backAdd));

        int length = backAddList.Count;
        var (fftRe, fftIm) = Dft(backAddList.ToArray(), new float[length], -1);
        var magList = Enumerable.Range(0, length).Select(i => (float)Math.Sqrt((fftRe[i] * fftRe[i]) + (fftIm[i] * fftIm[i]))).ToList();
        var magLogList = magList.Select(x => x != 0 ? (float)Math.Log(x) : 0).ToList();
        var filteredLogList = AverageFilter(magLogList, averaging);
        var spectralList = Enumerable.Range(0, length).Select(i => (float)Math.Exp(magLogList[i] - filteredLogList[i])).ToList();
        var transRe = new float[length];
        var transIm = new float[length];
        for (int i = 0; i < length; ++i)
        {
            if (magLogList[i] != 0)
            {
                transRe[i] = fftRe[i] * spectralList[i] / magList[i];
                transIm[i] = fftIm[i] * spectralList[i] / magList[i];
            }
        }
        var (ifftRe, ifftIm) = Dft(transRe, transIm, 1);
        float scale = 1f / length;
        for (int i = 0; i < length; ++i)
        {
            ifftRe[i] *= scale;
            ifftIm[i] *= scale;
        }
        var ifftMagList = Enumerable.Range(0, length).Select(i => (float)Math.Sqrt((ifftRe[i] * ifftRe[i]) + (ifftIm[i] * ifftIm[i]))).ToList();
        var filteredIfftMagList = AverageFilter(ifftMagList, judgement);

        float mag = ifftMagList[data.Count - 1];
        float avgMag = filteredIfftMagList[data.Count - 1];
        double safeDivisor = avgMag < 1e-8 ? 1e-8 : avgMag;
        float score = (float)(Math.Abs(mag - avgMag) / safeDivisor) / 10.0f;
        return new SrCnnResult(Math.Max(Math.Min(score, 1), 0) > threshold, score, mag);
    }

    private static (float[] Re, float[] Im) Dft(float[] re, float[] im, int sign)
    {
        int n = re.Length;
        var outRe = new float[n];
        var outIm = new float[n];
        for (int k = 0; k < n; k++)
        {
            double sumRe = 0, sumIm = 0;
            for (int t = 0; t < n; t++)
            {
                double angle = sign * 2 * Math.PI * ((long)k * t % n) / n;
                sumRe += (re[t] * Math.Cos(angle)) - (im[t] * Math.Sin(angle));
                sumIm += (re[t] * Math.Sin(angle)) + (im[t] * Math.Cos(angle));
            }
            outRe[k] = (float)sumRe;
            outIm[k] = (float)sumIm;
        }
        return (outRe, outIm);
    }

    private static List<float> AverageFilter(List<float> data, int n)
    {
        float cumsum = 0.0f;
        var cumSumList = data.Select(x => cumsum += x).ToList();
        var cumSumShift = new List<float>(cumSumList);
        for (int i = n; i < cumSumList.Count; ++i)
        {
            cumSumList[i] = (cumSumList[i] - cumSumShift[i - n]) / n;
        }
        for (int i = 1; i < n; ++i)
        {
            cumSumList[i] /= i + 1;
        }
        return cumSumList;
    }
}
