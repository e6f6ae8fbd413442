namespace VitalTwin.Detection.Tests;

public sealed class SeasonalityStlTests
{
    [Fact]
    public void Leaves_a_small_residual_on_a_clean_seasonal_series_with_a_trend()
    {
        double[] values = [.. Enumerable.Range(0, 240).Select(i => (10 * Math.Sin(2 * Math.PI * i / 24)) + (0.05 * i))];
        double[] residual = new double[values.Length];

        Assert.True(Stl.TryResidual(values, 24, residual));

        Assert.True(residual.Max(Math.Abs) < 0.5, $"max |residual| = {residual.Max(Math.Abs)}");
    }

    [Fact]
    public void Removes_the_daily_cycle_of_a_NAB_series()
    {
        double[] values = SrCnnTestData.Nab("art_daily_small_noise");
        double[] residual = new double[values.Length];

        Assert.True(Stl.TryResidual(values, 288, residual));

        double range = values.Max() - values.Min();
        Assert.True(residual.Max(Math.Abs) < range / 4, $"max |residual| = {residual.Max(Math.Abs)}, range {range}");
    }

    [Fact]
    public void Keeps_the_anomaly_of_a_NAB_series_in_the_residual()
    {
        double[] values = SrCnnTestData.Nab("art_daily_jumpsdown");
        double[] residual = new double[values.Length];

        Assert.True(Stl.TryResidual(values, 288, residual));

        double inside = residual[2988..3096].Max(Math.Abs);
        double outside = residual[..2988].Concat(residual[3096..]).Max(Math.Abs);
        Assert.True(inside > 3 * outside, $"max |residual| {inside} inside the anomaly, {outside} outside");
    }

    [Fact]
    public void Fails_where_MLNETs_STL_fails_or_throws()
    {
        // Period 20: 59 points leave a phase with 2 (ML.NET throws); with 3 the middle point's local line has a
        // single non-zero weight, a singular fit and a NaN (ML.NET returns false); with 4 it works.
        Assert.False(Stl.TryResidual(Ramp(59), 20, new double[59]));
        Assert.False(Stl.TryResidual(Ramp(60), 20, new double[60]));
        Assert.True(Stl.TryResidual(Ramp(80), 20, new double[80]));
    }

    private static double[] Ramp(int length) => [.. Enumerable.Range(0, length).Select(i => (i % 20) + (0.1 * i))];
}
