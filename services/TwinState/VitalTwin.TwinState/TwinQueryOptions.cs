using System.ComponentModel.DataAnnotations;

namespace VitalTwin.TwinState;

internal sealed class TwinQueryOptions
{
    public const string SectionName = "TwinQuery";

    [Range(1, 10_000)]
    public int DefaultPageSize { get; set; } = 50;

    [Range(1, 10_000)]
    public int MaxPageSize { get; set; } = 500;
}
