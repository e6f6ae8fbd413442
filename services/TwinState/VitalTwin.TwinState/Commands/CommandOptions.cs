using System.ComponentModel.DataAnnotations;

namespace VitalTwin.TwinState.Commands;

/// <summary>Clinicians' commands (README, "Clinician commands"), bound from <c>Commands</c>.</summary>
internal sealed class CommandOptions
{
    public const string SectionName = "Commands";

    /// <summary>
    /// How long a call waits for the owner to apply its command once Kafka has it; past that it answers the twin as it
    /// is, with its older version (the command is durable and will be applied).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan AppliedWithin { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest reason a clinician may give, in characters.</summary>
    [Range(1, 4_000)]
    public int MaxReasonLength { get; set; } = 500;
}
