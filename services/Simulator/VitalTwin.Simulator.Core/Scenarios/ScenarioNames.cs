using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using VitalTwin.Clinical;

namespace VitalTwin.Simulator.Core.Scenarios;

/// <summary>
/// How kinds and vitals are spelled in scenario files: kinds in kebab case ("acute-desaturation"), vitals in
/// camel case ("heartRate"), like every other field.
/// </summary>
public static class ScenarioNames
{
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum =>
        JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    public static string Of(VitalSign sign) => JsonNamingPolicy.CamelCase.ConvertName(sign.ToString());

    public static string AllOf<TEnum>()
        where TEnum : struct, Enum =>
        string.Join(", ", Enum.GetValues<TEnum>().Select(Of));

    public static string AllVitals() => string.Join(", ", Enum.GetValues<VitalSign>().Select(Of));

    public static bool TryParse<TEnum>(string? name, out TEnum value)
        where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (string.Equals(Of(candidate), name, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    public static bool TryParseVital(string? name, out VitalSign sign)
    {
        foreach (var candidate in Enum.GetValues<VitalSign>())
        {
            if (string.Equals(Of(candidate), name, StringComparison.Ordinal))
            {
                sign = candidate;
                return true;
            }
        }
        sign = default;
        return false;
    }

    internal static bool IsValidId([NotNullWhen(true)] string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 64 && char.IsAsciiLetterOrDigit(id[0]) &&
        id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
