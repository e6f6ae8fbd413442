using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.Dashboard.Clinical;

/// <summary>How the patient view words NEWS2's parameters and the clinical context.</summary>
public static class PatientDisplay
{
    /// <summary>The NEWS2 chart's parameters in its order, by the contract's and the scoring library's name.</summary>
    public static IReadOnlyList<(News2Parameter Parameter, string Name, string Short)> Parameters { get; } =
    [
        (News2Parameter.RespirationRate, "Respiration rate", "RR"),
        (News2Parameter.OxygenSaturation, "SpO₂", "SpO₂"),
        (News2Parameter.AirOrOxygen, "Air or oxygen", "Air/O₂"),
        (News2Parameter.SystolicBloodPressure, "Systolic blood pressure", "SBP"),
        (News2Parameter.Pulse, "Pulse", "Pulse"),
        (News2Parameter.Consciousness, "Consciousness", "ACVPU"),
        (News2Parameter.Temperature, "Temperature", "Temp"),
    ];

    public static string Parameter(News2Parameter parameter) =>
        Parameters.Where(p => p.Parameter == parameter).Select(p => p.Name).FirstOrDefault() ?? "Unknown";

    public static string Input(News2InputStatus status) => status switch
    {
        News2InputStatus.Measured => "measured",
        News2InputStatus.Missing => "missing: scored 0",
        News2InputStatus.Stale => "stale: scored as missing",
        News2InputStatus.Recorded => "recorded by a clinician",
        News2InputStatus.Assumed => "not recorded: assumed",
        _ => string.Empty,
    };

    public static IReadOnlyList<(Consciousness Level, string Word)> ConsciousnessLevels { get; } =
    [
        (Consciousness.Unspecified, "Not recorded (scored as Alert)"),
        (Consciousness.Alert, "Alert"),
        (Consciousness.NewConfusion, "New confusion"),
        (Consciousness.Voice, "Responds to voice"),
        (Consciousness.Pain, "Responds to pain"),
        (Consciousness.Unresponsive, "Unresponsive"),
    ];

    public static string Oxygen(PatientContext? context) => context switch
    {
        { HasOnSupplementalOxygen: true, OnSupplementalOxygen: true } => "Supplemental oxygen",
        { HasOnSupplementalOxygen: true } => "Air",
        _ => "Not recorded (scored as air)",
    };

    public static string Scale(SpO2Scale scale) => scale == SpO2Scale.Scale2
        ? "Scale 2 (hypercapnic respiratory failure, target 88–92 %)"
        : "Scale 1";
}
