using System.Diagnostics.CodeAnalysis;

namespace VitalTwin.Clinical;

/// <summary>
/// A vital sign with its codes, canonical UCUM unit and plausibility limits (canonical unit, inclusive).
/// </summary>
public sealed record VitalDefinition(
    VitalSign Sign,
    string Name,
    string Loinc,
    string Mdc,
    string CanonicalUnit,
    double PhysiologicalMin,
    double PhysiologicalMax)
{
    /// <summary>Further LOINC codes that mean the same vital.</summary>
    public IReadOnlyList<string> LoincAliases { get; init; } = [];

    /// <summary>Further MDC codes that mean the same vital.</summary>
    public IReadOnlyList<string> MdcAliases { get; init; } = [];

    /// <summary>UCUM units accepted besides <see cref="CanonicalUnit"/>, with their exact conversion.</summary>
    public IReadOnlyList<UnitConversion> AlternativeUnits { get; init; } = [];

    public IEnumerable<string> AcceptedUnits => AlternativeUnits.Select(u => u.Unit).Prepend(CanonicalUnit);

    public bool HasLoinc(string code) =>
        string.Equals(Loinc, code, StringComparison.Ordinal) || LoincAliases.Contains(code, StringComparer.Ordinal);

    public bool HasMdc(string code) =>
        string.Equals(Mdc, code, StringComparison.Ordinal) || MdcAliases.Contains(code, StringComparer.Ordinal);

    /// <summary>Converts to the canonical unit; false when the unit is not accepted (UCUM is case-sensitive).</summary>
    public bool TryToCanonical(double value, [NotNullWhen(true)] string? unit, out double canonical)
    {
        if (string.Equals(unit, CanonicalUnit, StringComparison.Ordinal))
        {
            canonical = value;
            return true;
        }

        foreach (var conversion in AlternativeUnits)
        {
            if (string.Equals(unit, conversion.Unit, StringComparison.Ordinal))
            {
                canonical = conversion.ToCanonical(value);
                return true;
            }
        }

        canonical = double.NaN;
        return false;
    }

    public bool IsPlausible(double canonicalValue) =>
        canonicalValue >= PhysiologicalMin && canonicalValue <= PhysiologicalMax;
}
