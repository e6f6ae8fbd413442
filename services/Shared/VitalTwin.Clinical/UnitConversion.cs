namespace VitalTwin.Clinical;

/// <summary>
/// An accepted non-canonical UCUM unit: canonical = (value + <paramref name="Offset"/>) × <paramref name="Factor"/>.
/// </summary>
public sealed record UnitConversion(string Unit, double Offset, double Factor)
{
    public double ToCanonical(double value) => (value + Offset) * Factor;
}
