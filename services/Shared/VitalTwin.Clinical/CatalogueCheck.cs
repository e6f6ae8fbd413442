namespace VitalTwin.Clinical;

public enum CatalogueVerdict
{
    Accepted,
    UnknownVital,
    UnknownUnit,
    OutOfRange,
    NotANumber,
}

/// <summary>
/// Outcome of <see cref="VitalCatalogue.Check"/>. <see cref="CanonicalValue"/> is NaN when no conversion happened;
/// <see cref="Detail"/> never contains the measured value, so it is safe to log.
/// </summary>
public readonly record struct CatalogueCheck(
    CatalogueVerdict Verdict,
    VitalDefinition? Definition,
    double CanonicalValue,
    string Detail)
{
    public bool IsAccepted => Verdict == CatalogueVerdict.Accepted;
}
