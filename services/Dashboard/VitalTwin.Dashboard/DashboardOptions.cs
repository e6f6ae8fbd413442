using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Dashboard;

/// <summary>Where the dashboard reads from, bound from <c>Dashboard</c>. Any replica of a service answers for every patient.</summary>
public sealed class DashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>TwinState's gRPC address (TwinQuery and TwinWhatIf).</summary>
    [Required] public Uri? TwinState { get; set; }

    /// <summary>Notification's gRPC address (AlertDesk).</summary>
    [Required] public Uri? Notification { get; set; }

    /// <summary>The purpose of use every call states, recorded in the services' audit trail.</summary>
    [Required, StringLength(32, MinimumLength = 1)] public string PurposeOfUse { get; set; } = "TREAT";

    /// <summary>How often a live view redraws at most: updates in between are folded into the next redraw.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:05")]
    public TimeSpan RedrawInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The readings each tile's sparkline keeps per vital.</summary>
    [Range(10, 600)] public int SparklinePoints { get; set; } = 120;
}
