namespace VitalTwin.Export.Dataset;

/// <summary>
/// manifest.json, written last: its presence means the dataset is complete. It describes the dataset and how it was
/// pseudonymised, names the key only by its public id, and holds no patient-level data.
/// </summary>
internal sealed record ExportManifest(
    string Format,
    DateTimeOffset GeneratedAt,
    ExportRange Range,
    PseudonymisationDescription Pseudonymisation,
    ExportCounts Counts,
    DataFileDescription Data,
    IReadOnlyList<string> Omitted)
{
    public const string CurrentFormat = "vitaltwin.export.v1";

    /// <summary>What a recipient is told is not in the dataset, and why where it is not obvious.</summary>
    public static readonly IReadOnlyList<string> OmittedFields =
    [
        "patient id (replaced by the pseudonym)",
        "device id",
        "ward, bed and any free text (not exported)",
        "calendar dates (every patient's times are shifted; see pseudonymisation.timeShift)",
        "reading quality flags (not kept in the vitals history)",
    ];
}

/// <summary>The real window the readings were observed in, [From, To); each patient's times in the data are shifted.</summary>
internal sealed record ExportRange(DateTimeOffset From, DateTimeOffset To);

internal sealed record PseudonymisationDescription(string Scheme, int PseudonymBits, string KeyId, string TimeShift);

internal sealed record ExportCounts(
    int PatientsWithConsentRecord,
    int ResearchConsented,
    int PatientsExported,
    long Readings,
    IReadOnlyDictionary<string, long> ReadingsPerLoinc);

internal sealed record DataFileDescription(string Name, IReadOnlyList<string> Columns, long Bytes, string Sha256);
