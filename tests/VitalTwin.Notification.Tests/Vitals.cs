using VitalTwin.Clinical;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification.Tests;

/// <summary>One set of observations, scored by the real NEWS2 and rendered as the twin would send its vitals.</summary>
internal sealed record Vitals(
    double RespirationRate = 16,
    double OxygenSaturation = 98,
    double SystolicBloodPressure = 120,
    double Pulse = 70,
    double Temperature = 37.0,
    bool? OnOxygen = null,
    Consciousness? Consciousness = null)
{
    // Scores by RCP NEWS2 chart 1 are noted beside each set; The_named_sets_score_as_the_rcp_chart_says checks them.
    public static Vitals Normal { get; } = new();                                                         // 0
    public static Vitals Low4 { get; } = new(RespirationRate: 22, Pulse: 115);                             // 2 + 2
    public static Vitals Medium5 { get; } = new(RespirationRate: 22, OxygenSaturation: 95, Pulse: 115);   // 2 + 1 + 2
    public static Vitals Medium6 { get; } = Medium5 with { Temperature = 38.5 };                          // 5 + 1
    public static Vitals High7 { get; } = Medium6 with { SystolicBloodPressure = 105 };                   // 6 + 1
    public static Vitals SingleThree { get; } = new(OxygenSaturation: 90);                                // 3, low-medium
    public static Vitals MediumWithSingleThree { get; } = new(OxygenSaturation: 90, Pulse: 115);          // 3 + 2

    public News2Result Score() => News2.Score(new News2Observations(
        RespirationRate, OxygenSaturation, OnOxygen, SystolicBloodPressure, Pulse, Consciousness, Temperature));

    public IReadOnlyList<VitalValue> Values() =>
    [
        new(VitalSign.HeartRate, Pulse, "/min"),
        new(VitalSign.OxygenSaturation, OxygenSaturation, "%"),
        new(VitalSign.RespiratoryRate, RespirationRate, "/min"),
        new(VitalSign.SystolicBloodPressure, SystolicBloodPressure, "mm[Hg]"),
        new(VitalSign.BodyTemperature, Temperature, "Cel"),
    ];
}
