using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;

namespace VitalTwin.AnomalyDetection.Tests;

public class FindingExplanationTests
{
    private static VitalDefinition Definition(VitalSign sign) => VitalCatalogue.Default[sign];

    private static AnomalyFinding Spike(
        VitalSign sign = VitalSign.HeartRate, double value = 142, double pValue = 0.0002, double windowMean = 78,
        int windowSize = 120, double baselineLevel = 76, double baselineSpread = 3) =>
        new(sign, DetectorType.IidSpike, AnomalyKind.Spike, value, pValue, double.NaN, windowMean, windowSize, 99.9, baselineLevel, baselineSpread);

    [Fact]
    public void A_spike_reads_as_one_sentence()
    {
        Assert.Equal(
            "Heart rate 142 /min, up from 78 over the last 120 readings (usual 76 ± 3; p = 0.0002, IID spike)",
            Spike().Explain(Definition(VitalSign.HeartRate)));
    }

    [Fact]
    public void A_fall_says_down_with_the_vital_unit_and_one_decimal()
    {
        var finding = Spike(VitalSign.OxygenSaturation, value: 85.04, pValue: 0.00031, windowMean: 97.23, windowSize: 60, baselineLevel: 97.36, baselineSpread: 0.62);

        Assert.Equal(
            "Oxygen saturation 85 %, down from 97.2 over the last 60 readings (usual 97.4 ± 0.6; p = 0.0003, IID spike)",
            finding.Explain(Definition(VitalSign.OxygenSaturation)));
    }

    [Theory]
    [InlineData(VitalSign.HeartRate, "Heart rate 120 /min")]
    [InlineData(VitalSign.OxygenSaturation, "Oxygen saturation 120 %")]
    [InlineData(VitalSign.RespiratoryRate, "Respiratory rate 120 /min")]
    [InlineData(VitalSign.SystolicBloodPressure, "Systolic blood pressure 120 mm[Hg]")]
    [InlineData(VitalSign.BodyTemperature, "Body temperature 120 Cel")]
    public void The_sentence_starts_with_the_capitalised_vital_its_value_and_unit(VitalSign sign, string start)
    {
        var text = Spike(sign, value: 120).Explain(Definition(sign));

        Assert.StartsWith(start + ", up from 78 ", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1e-8, "p < 0.0001")]
    [InlineData(0.00009999, "p < 0.0001")]
    [InlineData(0.0001, "p = 0.0001")]
    [InlineData(0.00123, "p = 0.0012")]
    [InlineData(0.05, "p = 0.05")]
    public void The_p_value_is_given_to_four_decimals_and_tiny_ones_as_below_a_ten_thousandth(double pValue, string expected)
    {
        var text = Spike(pValue: pValue).Explain(Definition(VitalSign.HeartRate));

        Assert.Contains($"(usual 76 ± 3; {expected}, IID spike)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_personal_baseline_the_sentence_says_so()
    {
        var text = Spike(baselineLevel: double.NaN, baselineSpread: double.NaN).Explain(Definition(VitalSign.HeartRate));

        Assert.EndsWith("(no personal baseline yet; p = 0.0002, IID spike)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_change_point_gives_its_martingale_instead_of_a_p_value()
    {
        var finding = new AnomalyFinding(
            VitalSign.RespiratoryRate, DetectorType.IidChangePoint, AnomalyKind.ChangePoint, 28, 0.004, 123456.7, 21.4, 20, 95, 18, 1.5);

        Assert.Equal(
            "Respiratory rate 28 /min, up from 21.4 over the last 20 readings (usual 18 ± 1.5; martingale 1.23E+5, IID change point)",
            finding.Explain(Definition(VitalSign.RespiratoryRate)));
    }

    [Fact]
    public void A_finding_from_the_monitor_explains_what_it_was_judged_against()
    {
        var feed = new Feed(Readings.Monitor());
        feed.ObserveAll(Readings.Noisy(72, 1, 200, seed: 31));
        var baseline = feed.Monitor.Baseline;
        var usual = FormattableString.Invariant($"usual {baseline.Level:0.#} ± {baseline.Spread:0.#}");

        var spike = Assert.Single(feed.Observe(100).Findings);
        var text = spike.Explain(Definition(VitalSign.HeartRate));

        Assert.StartsWith(FormattableString.Invariant($"Heart rate 100 /min, up from {spike.WindowMean:0.#} over the last 120 readings ("), text, StringComparison.Ordinal);
        Assert.Contains(usual, text, StringComparison.Ordinal);
        Assert.EndsWith("; p < 0.0001, IID spike)", text, StringComparison.Ordinal);
    }
}
