using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VitalTwin.Simulator.Core.Scenarios;

/// <summary>
/// Time spans as people write them in a scenario: "90s", "30m", "6h", "1d", "250ms", or .NET's "d.hh:mm:ss".
/// </summary>
internal sealed class TimeSpanJsonConverter : JsonConverter<TimeSpan>
{
    public const string Expected = "expected a time span such as \"90s\", \"30m\", \"6h\", \"1d\" or \"d.hh:mm:ss\"";

    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && TryParse(reader.GetString(), out var value)
            ? value
            : throw new JsonException(Expected);

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString("c", CultureInfo.InvariantCulture));

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        text = text.Trim();
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out value);
        }
        var unitStart = 0;
        while (unitStart < text.Length && (char.IsAsciiDigit(text[unitStart]) || text[unitStart] == '.'))
        {
            unitStart++;
        }
        if (unitStart == 0 || !double.TryParse(text.AsSpan(0, unitStart), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }
        var unit = text[unitStart..];
        double? ticksPerUnit = unit switch
        {
            "ms" => TimeSpan.TicksPerMillisecond,
            "s" => TimeSpan.TicksPerSecond,
            "m" => TimeSpan.TicksPerMinute,
            "h" => TimeSpan.TicksPerHour,
            "d" => TimeSpan.TicksPerDay,
            _ => null,
        };
        if (ticksPerUnit is not { } perUnit || amount * perUnit > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }
        value = TimeSpan.FromTicks((long)Math.Round(amount * perUnit));
        return true;
    }
}

/// <summary>A time range as <c>{ "min": "1h", "max": "3h" }</c>, or one time span for a fixed value.</summary>
internal sealed class TimeRangeJsonConverter : JsonConverter<TimeRange>
{
    private const string Expected = "expected a time span, or { \"min\": ..., \"max\": ... } with time spans";

    public override TimeRange Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return TimeSpanJsonConverter.TryParse(reader.GetString(), out var fixedValue)
                ? TimeRange.Exactly(fixedValue)
                : throw new JsonException(TimeSpanJsonConverter.Expected);
        }
        var (min, max) = MinMaxReader.Read(ref reader, Expected, static (ref Utf8JsonReader r) =>
            r.TokenType == JsonTokenType.String && TimeSpanJsonConverter.TryParse(r.GetString(), out var v)
                ? v
                : throw new JsonException(TimeSpanJsonConverter.Expected));
        return new TimeRange(min, max);
    }

    public override void Write(Utf8JsonWriter writer, TimeRange value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("min", value.Min.ToString("c", CultureInfo.InvariantCulture));
        writer.WriteString("max", value.Max.ToString("c", CultureInfo.InvariantCulture));
        writer.WriteEndObject();
    }
}

/// <summary>A severity as <c>{ "min": 0.6, "max": 1 }</c>, or one number for a fixed value.</summary>
internal sealed class SeverityRangeJsonConverter : JsonConverter<SeverityRange>
{
    private const string Expected = "expected a number, or { \"min\": ..., \"max\": ... } with numbers";

    public override SeverityRange Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            var value = reader.GetDouble();
            return new SeverityRange(value, value);
        }
        var (min, max) = MinMaxReader.Read(ref reader, Expected, static (ref Utf8JsonReader r) =>
            r.TokenType == JsonTokenType.Number ? r.GetDouble() : throw new JsonException("expected a number"));
        return new SeverityRange(min, max);
    }

    public override void Write(Utf8JsonWriter writer, SeverityRange value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteNumber("min", value.Min);
        writer.WriteNumber("max", value.Max);
        writer.WriteEndObject();
    }
}

internal static class MinMaxReader
{
    public delegate T ValueReader<out T>(ref Utf8JsonReader reader);

    public static (T Min, T Max) Read<T>(ref Utf8JsonReader reader, string expected, ValueReader<T> readValue)
        where T : struct
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException(expected);
        }
        T? min = null;
        T? max = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "min":
                    min = readValue(ref reader);
                    break;
                case "max":
                    max = readValue(ref reader);
                    break;
                default:
                    throw new JsonException($"unknown field '{name}'; a range has min and max");
            }
        }
        return min is { } low && max is { } high ? (low, high) : throw new JsonException("a range needs both min and max");
    }
}
