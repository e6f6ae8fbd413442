namespace VitalTwin.Detection.Tests;

/// <summary>Largest relative error seen, and where; NaN on only one side counts as infinite.</summary>
internal sealed class MaxDeviation
{
    public double Relative { get; private set; }

    public int Row { get; private set; } = -1;

    public void Add(int row, double actual, double expected)
    {
        double error = (double.IsNaN(actual), double.IsNaN(expected)) switch
        {
            (true, true) => 0,
            (true, false) or (false, true) => double.PositiveInfinity,
            _ when actual == expected => 0,
            _ => Math.Abs(actual - expected) / Math.Abs(expected),
        };

        if (error > Relative)
        {
            Relative = error;
            Row = row;
        }
    }

    public override string ToString() => Row < 0 ? "0" : $"{Relative:E3} at row {Row}";
}
