using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Ingestion;

namespace VitalTwin.Gateway.Mqtt;

/// <summary>
/// Reads a SenML JSON pack (RFC 8428) into readings of one device: each record's resolved name (base name + name)
/// names the vital by its last segment, after any <c>:</c> or <c>/</c> (a LOINC code, an MDC code, or the catalogue's
/// name with dashes, such as <c>heart-rate</c>); its unit goes through <see cref="UnitSpellings"/>; its time is base
/// time + time in seconds, relative to now when below 2^28 as the RFC says. The patient is the one the device was bound
/// to at that time, and the reading gets a <see cref="DerivedIdentity"/>. A pack that is not SenML throws
/// <see cref="FormatException"/>; a record whose value is not a number becomes a reading the core refuses.
/// </summary>
internal sealed class SenmlReadings(VitalCatalogue catalogue, DeviceBindings bindings, TimeProvider clock)
{
    public const string ContentType = "application/senml+json";

    // RFC 8428 section 4.5.3: a time below 2^28 seconds is relative to the present.
    private const double RelativeTimeLimit = 268_435_456;

    private readonly FrozenDictionary<string, string> _byShortName = catalogue.All.ToFrozenDictionary(
        definition => definition.Name.Replace(' ', '-'), definition => definition.Loinc, StringComparer.OrdinalIgnoreCase);

    /// <summary>The catalogue's short names and the LOINC codes they stand for, for the documentation and its test.</summary>
    public IEnumerable<KeyValuePair<string, string>> ShortNames => _byShortName;

    /// <summary>The pack's readings in record order; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public List<VitalSignReading> Read(ReadOnlyMemory<byte> payload, string deviceId)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException)
        {
            throw new FormatException("the payload is not JSON");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("a SenML pack is a JSON array of records");
            }
            var readings = new List<VitalSignReading>(document.RootElement.GetArrayLength());
            var now = clock.GetUtcNow();
            string baseName = string.Empty, baseUnit = string.Empty;
            double baseTime = 0, baseValue = 0;
            var index = 0;
            foreach (var record in document.RootElement.EnumerateArray())
            {
                if (record.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException($"record {index} is not a JSON object");
                }
                string? name = null, unit = null;
                double time = 0, value = double.NaN;
                foreach (var field in record.EnumerateObject())
                {
                    switch (field.Name)
                    {
                        case "bn": baseName = Text(field, index); break;
                        case "bt": baseTime = Number(field, index); break;
                        case "bu": baseUnit = Text(field, index); break;
                        case "bv": baseValue = Number(field, index); break;
                        case "n": name = Text(field, index); break;
                        case "u": unit = Text(field, index); break;
                        case "t": time = Number(field, index); break;
                        case "v": value = Number(field, index); break;
                        default:
                            // Fields ending in "_" must be understood (RFC 8428 section 4.4); others (bver, s, vs...) may be ignored.
                            if (field.Name.EndsWith('_'))
                            {
                                throw new FormatException($"record {index} has a field this Gateway does not understand");
                            }
                            break;
                    }
                }
                var resolvedName = baseName + name;
                if (resolvedName.Length == 0)
                {
                    throw new FormatException($"record {index} has no name");
                }
                readings.Add(Reading(deviceId, resolvedName, unit ?? baseUnit, baseValue + value, ObservedAt(baseTime + time, now)));
                index++;
            }
            return readings;
        }
    }

    private VitalSignReading Reading(string deviceId, string name, string unit, double value, DateTimeOffset? observedAt)
    {
        var reading = new VitalSignReading
        {
            DeviceId = deviceId,
            Code = Code(name),
            Value = value,
            Unit = UnitSpellings.Ucum(unit),
        };
        if (observedAt is { } at)
        {
            reading.ObservedAt = Timestamp.FromDateTimeOffset(at);
            if (bindings.TryResolve(deviceId, at, out var patientId))
            {
                reading.PatientId = patientId;
            }
        }
        DerivedIdentity.Assign(reading, catalogue);
        return reading;
    }

    private VitalCode Code(string resolvedName)
    {
        var key = resolvedName[(resolvedName.LastIndexOfAny([':', '/']) + 1)..];
        if (key.StartsWith("MDC_", StringComparison.Ordinal))
        {
            return new VitalCode { Mdc = key };
        }
        if (_byShortName.TryGetValue(key, out var loinc))
        {
            return new VitalCode { Loinc = loinc };
        }
        // A LOINC code, or a name the catalogue will refuse as an unknown vital.
        return new VitalCode { Loinc = key };
    }

    private static DateTimeOffset? ObservedAt(double seconds, DateTimeOffset now)
    {
        if (!double.IsFinite(seconds))
        {
            return null;
        }
        try
        {
            return seconds < RelativeTimeLimit
                ? now.AddSeconds(seconds)
                : DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    private static string Text(JsonProperty field, int index) => field.Value.ValueKind == JsonValueKind.String
        ? field.Value.GetString()!
        : throw new FormatException($"record {index}: \"{field.Name}\" must be a string");

    private static double Number(JsonProperty field, int index) => field.Value.ValueKind == JsonValueKind.Number && field.Value.TryGetDouble(out var number)
        ? number
        : throw new FormatException($"record {index}: \"{field.Name}\" must be a number");
}
