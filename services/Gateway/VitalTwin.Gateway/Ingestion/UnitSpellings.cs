using System.Collections.Frozen;

namespace VitalTwin.Gateway.Ingestion;

/// <summary>
/// The local spellings of units that devices outside the gRPC contract send (HL7 v2 OBX-6, SenML's registered
/// units, MDC unit codes), each mapped to the UCUM unit the vital-sign catalogue accepts. A unit not listed is
/// passed on as sent, and the catalogue judges it: UCUM spellings need no entry. Keys compare ignoring case, as the
/// local spellings vary in it; UCUM itself is case-sensitive, so no UCUM unit is a key here.
/// </summary>
internal static class UnitSpellings
{
    private static readonly FrozenDictionary<string, string> ToUcum = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        // Rates: beats and breaths a minute.
        ["bpm"] = "/min",
        ["beats/min"] = "/min",
        ["beat/min"] = "/min", // SenML
        ["1/min"] = "/min", // SenML
        ["/m"] = "/min",
        ["breaths/min"] = "/min",
        ["br/min"] = "/min",
        ["rpm"] = "/min",
        ["MDC_DIM_BEAT_PER_MIN"] = "/min",
        ["MDC_DIM_RESP_PER_MIN"] = "/min",
        ["MDC_DIM_PER_MIN"] = "/min",
        // Saturation.
        ["percent"] = "%",
        ["MDC_DIM_PERCENT"] = "%",
        // Pressure.
        ["mmHg"] = "mm[Hg]",
        ["mm Hg"] = "mm[Hg]",
        ["MDC_DIM_MMHG"] = "mm[Hg]",
        ["MDC_DIM_KILO_PASCAL"] = "kPa",
        // Temperature.
        ["degC"] = "Cel",
        ["°C"] = "Cel",
        ["C"] = "Cel",
        ["MDC_DIM_DEGC"] = "Cel",
        ["degF"] = "[degF]",
        ["°F"] = "[degF]",
        ["F"] = "[degF]",
        ["MDC_DIM_FAHR"] = "[degF]",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The UCUM unit for <paramref name="unit"/>, or <paramref name="unit"/> itself when it has no local spelling listed.</summary>
    public static string Ucum(string unit)
    {
        var trimmed = unit.Trim();
        return ToUcum.TryGetValue(trimmed, out var ucum) ? ucum : trimmed;
    }

    /// <summary>Every local spelling and its UCUM unit, for the documentation and its test.</summary>
    public static IEnumerable<KeyValuePair<string, string>> All => ToUcum;
}
