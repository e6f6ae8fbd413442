using Xunit.Abstractions;

namespace VitalTwin.Detection.Tests;

// ML.NET 5.0.1's SSA outputs on NAB series (shared/data/mlnet/reference/ssa*_*.csv, regenerated with a correct FFT;
// see SOURCE.txt there). These parameters take TrajectoryMatrix's FFT path (L·K > (3 + 3 ln N)·N), which ML.NET's
// golden tests never reach. Two checks: the detector in ML.NET's parity mode (train on the first rows, then score
// every row from row 0, the training rows included) gives ML.NET's alerts on every row and its raw scores to within
// float rounding of the model (ML.NET trains in float32 through MKL, this model in double); and, fed ML.NET's own raw
// scores, the scorer gives its p-values and martingales to 1e-12.
public sealed class SsaReferenceTests(ITestOutputHelper output)
{
    private const double ReferenceTolerance = 1e-12;

    // Absolute, in the series' units (levels 45 to 86): relative errors are meaningless where the raw score crosses 0.
    private const double RawScoreTolerance = 5e-4;

    [Theory]
    [InlineData("art_daily_jumpsup")]
    [InlineData("machine_temperature_system_failure")]
    [InlineData("speed_7578")]
    public void Spike_detector_in_parity_mode_matches_MLNET_raw_scores_and_alerts_on_every_row(string series)
    {
        float[] values = MlNetReference.NabValues(series);
        var detector = SsaSpikeDetector.ForMlNetParity(values, 99, 100, 500, 50);
        var alerts = AssertParity(series, values, MlNetReference.Outputs("ssaspike", series), value =>
        {
            var result = detector.Update(value);
            return (result.Alert, result.RawScore);
        });

        Assert.True(alerts > 0, "the reference series should exercise alerts");
    }

    [Theory]
    [InlineData("art_daily_jumpsup")]
    [InlineData("machine_temperature_system_failure")]
    [InlineData("speed_7578")]
    public void Change_point_detector_in_parity_mode_matches_MLNET_raw_scores_and_alerts_on_every_row(string series)
    {
        float[] values = MlNetReference.NabValues(series);
        var detector = SsaChangePointDetector.ForMlNetParity(values, 95, 20, 500, 50);
        AssertParity(series, values, MlNetReference.Outputs("ssacp", series), value =>
        {
            var result = detector.Update(value);
            return (result.Alert, result.RawScore);
        });
    }

    /// <summary>Every row's alert as ML.NET's and its raw score within <see cref="RawScoreTolerance"/>; returns the alert count.</summary>
    private int AssertParity(string series, float[] values, ReferenceRow[] expected, Func<float, (bool Alert, double RawScore)> update)
    {
        double worst = 0;
        int alerts = 0;
        for (int i = 0; i < values.Length; i++)
        {
            var result = update(values[i]);
            Assert.True(expected[i].Alert == result.Alert, $"alert differs at row {i}");
            worst = Math.Max(worst, Math.Abs(result.RawScore - expected[i].RawScore));
            alerts += result.Alert ? 1 : 0;
        }

        output.WriteLine($"{series}: {values.Length} rows, {alerts} alerts; max absolute raw score difference {worst:E3}");
        Assert.True(worst <= RawScoreTolerance, $"raw score differs by {worst:E3}");
        return alerts;
    }

    [Theory]
    [InlineData("art_daily_jumpsup")]
    [InlineData("machine_temperature_system_failure")]
    [InlineData("speed_7578")]
    public void Spike_scoring_of_MLNET_raw_scores_matches_every_row(string series)
    {
        var expected = MlNetReference.Outputs("ssaspike", series);
        var scorer = KernelPValueScorer.ForSpikes(100, AnomalySide.TwoSided, 99);
        var pValue = new MaxDeviation();
        int alerts = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            var score = scorer.Score(expected[i].RawScore);
            Assert.True(expected[i].Alert == score.Alert, $"alert differs at row {i}");
            pValue.Add(i, score.PValue, expected[i].PValue);
            alerts += score.Alert ? 1 : 0;
        }

        output.WriteLine($"{series}: {expected.Length} rows, {alerts} alerts; max relative error p {pValue}");
        Assert.True(alerts > 0, "the reference series should exercise alerts");
        Assert.True(pValue.Relative <= ReferenceTolerance, $"p-value: {pValue}");
    }

    [Theory]
    [InlineData("art_daily_jumpsup")]
    [InlineData("machine_temperature_system_failure")]
    [InlineData("speed_7578")]
    public void Change_point_scoring_of_MLNET_raw_scores_matches_every_row(string series)
    {
        var expected = MlNetReference.Outputs("ssacp", series);
        var scorer = KernelPValueScorer.ForChangePoints(20, MartingaleType.Power, 0.1, 95);
        var pValue = new MaxDeviation();
        var martingale = new MaxDeviation();
        int alerts = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            var score = scorer.Score(expected[i].RawScore);
            Assert.True(expected[i].Alert == score.Alert, $"alert differs at row {i}");
            pValue.Add(i, score.PValue, expected[i].PValue);
            martingale.Add(i, score.Martingale, expected[i].Martingale);
            alerts += score.Alert ? 1 : 0;
        }

        output.WriteLine($"{series}: {expected.Length} rows, {alerts} alerts; max relative error p {pValue}, martingale {martingale}");
        Assert.True(pValue.Relative <= ReferenceTolerance, $"p-value: {pValue}");
        Assert.True(martingale.Relative <= ReferenceTolerance, $"martingale: {martingale}");
    }
}
