using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using Google.Protobuf.Reflection;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.DeviceTransports;

/// <summary>
/// The Gateway's FHIR R4 door: each send is one batch Bundle of vital-signs Observations posted to <c>/fhir</c> as the
/// device (<c>authorization: Device &lt;key&gt;</c>), the batch-response read back into an <see cref="IngestAck"/>. The
/// Observations carry no sequence number: the Gateway names each reading by its device, vital and time.
/// </summary>
public sealed class FhirDeviceTransport(HttpClient http, bool ownsClient = false) : IDeviceTransport
{
    /// <summary>The identifier systems the Gateway takes by default (<c>Gateway:Fhir</c>).</summary>
    public const string PatientIdentifierSystem = "urn:vitaltwin:patient-id";

    public const string DeviceIdentifierSystem = "urn:vitaltwin:device-id";

    private const string MediaType = "application/fhir+json";

    private static readonly Dictionary<string, RejectionReason> Reasons = Enum.GetValues<RejectionReason>()
        .ToDictionary(
            reason => typeof(RejectionReason).GetField(reason.ToString())!.GetCustomAttribute<OriginalNameAttribute>()!.Name["REJECTION_REASON_".Length..],
            StringComparer.Ordinal);

    public DeviceTransportKind Kind => DeviceTransportKind.Fhir;

    public string? IngestSystem => null;

    /// <summary>
    /// A transport to the Gateway at <paramref name="gateway"/>, its gRPC address: plain HTTP speaks HTTP/2 there
    /// without negotiation, as gRPC does; over TLS the version is negotiated.
    /// </summary>
    public static FhirDeviceTransport Open(Uri gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        var client = new HttpClient
        {
            BaseAddress = gateway,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = gateway.Scheme == Uri.UriSchemeHttps ? HttpVersionPolicy.RequestVersionOrLower : HttpVersionPolicy.RequestVersionExact,
        };
        return new FhirDeviceTransport(client, ownsClient: true);
    }

    public async Task<IngestAck> SendAsync(DeviceLogin device, IReadOnlyList<VitalSignReading> readings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(readings);
        using var request = new HttpRequestMessage(HttpMethod.Post, "fhir")
        {
            Content = new ByteArrayContent(Bundle(readings)),
            Version = http.DefaultRequestVersion,
            VersionPolicy = http.DefaultVersionPolicy,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(MediaType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Device", device.Credential);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new GatewayUnavailableException("the Gateway could not be reached", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new GatewayUnavailableException("the Gateway did not answer in time", ex);
        }
        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return response.StatusCode switch
            {
                HttpStatusCode.OK => Ack(body, readings),
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => throw new DeviceRefusedException($"the Gateway refused the device ({(int)response.StatusCode})"),
                >= HttpStatusCode.InternalServerError or HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout =>
                    throw new GatewayUnavailableException($"the Gateway did not store the batch ({(int)response.StatusCode})"),
                _ => throw new InvalidOperationException($"the Gateway refused the batch ({(int)response.StatusCode}): {FirstIssue(body)}"),
            };
        }
    }

    private static byte[] Bundle(IReadOnlyList<VitalSignReading> readings)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("resourceType", "Bundle");
            json.WriteString("type", "batch");
            json.WriteStartArray("entry");
            foreach (var reading in readings)
            {
                json.WriteStartObject();
                json.WritePropertyName("resource");
                Observation(json, reading);
                json.WriteStartObject("request");
                json.WriteString("method", "POST");
                json.WriteString("url", "Observation");
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void Observation(Utf8JsonWriter json, VitalSignReading reading)
    {
        json.WriteStartObject();
        json.WriteString("resourceType", "Observation");
        json.WriteString("status", "final");
        json.WriteStartArray("category");
        json.WriteStartObject();
        json.WriteStartArray("coding");
        Coding(json, "http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs");
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteStartObject("code");
        json.WriteStartArray("coding");
        if (!string.IsNullOrEmpty(reading.Code?.Loinc))
        {
            Coding(json, "http://loinc.org", reading.Code.Loinc);
        }
        if (!string.IsNullOrEmpty(reading.Code?.Mdc))
        {
            Coding(json, "urn:iso:std:iso:11073:10101", reading.Code.Mdc);
        }
        json.WriteEndArray();
        json.WriteEndObject();
        Identified(json, "subject", PatientIdentifierSystem, reading.PatientId);
        Identified(json, "device", DeviceIdentifierSystem, reading.DeviceId);
        if (reading.ObservedAt is { } observedAt)
        {
            json.WriteString("effectiveDateTime", observedAt.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffK", CultureInfo.InvariantCulture));
        }
        json.WriteStartObject("valueQuantity");
        json.WriteNumber("value", reading.Value);
        json.WriteString("unit", reading.Unit);
        json.WriteString("system", "http://unitsofmeasure.org");
        json.WriteString("code", reading.Unit);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Coding(Utf8JsonWriter json, string system, string code)
    {
        json.WriteStartObject();
        json.WriteString("system", system);
        json.WriteString("code", code);
        json.WriteEndObject();
    }

    private static void Identified(Utf8JsonWriter json, string property, string system, string value)
    {
        json.WriteStartObject(property);
        json.WriteStartObject("identifier");
        json.WriteString("system", system);
        json.WriteString("value", value);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>The batch-response, entry by entry: 201 is accepted, anything else a refusal with the reason its outcome names.</summary>
    private static IngestAck Ack(byte[] body, IReadOnlyList<VitalSignReading> readings)
    {
        using var document = JsonDocument.Parse(body);
        var entries = document.RootElement.GetProperty("entry");
        if (entries.GetArrayLength() != readings.Count)
        {
            throw new InvalidOperationException("the Gateway answered another number of entries than were sent");
        }
        var ack = new IngestAck();
        var index = 0u;
        foreach (var entry in entries.EnumerateArray())
        {
            var response = entry.GetProperty("response");
            if (response.GetProperty("status").GetString()?.StartsWith("201", StringComparison.Ordinal) == true)
            {
                ack.Accepted++;
            }
            else
            {
                var reading = readings[(int)index];
                var (reason, detail) = Refusal(response.TryGetProperty("outcome", out var outcome) ? outcome : default);
                ack.Rejected++;
                ack.Rejections.Add(new ReadingRejection { Index = index, DeviceId = reading.DeviceId, SequenceNumber = reading.SequenceNumber, Reason = reason, Detail = detail });
            }
            index++;
        }
        return ack;
    }

    /// <summary>The first error of an entry's outcome: the core's reason (<c>OUT_OF_RANGE: …</c>), or MALFORMED for what the door itself refused.</summary>
    private static (RejectionReason Reason, string Detail) Refusal(JsonElement outcome)
    {
        var text = Issues(outcome).FirstOrDefault() ?? "refused";
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && Reasons.TryGetValue(text[..colon], out var reason)
            ? (reason, text[(colon + 1)..].Trim())
            : (RejectionReason.Malformed, text);
    }

    private static string FirstIssue(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return Issues(document.RootElement).FirstOrDefault() ?? "no reason given";
        }
        catch (JsonException)
        {
            return "no reason given";
        }
    }

    private static List<string> Issues(JsonElement outcome) =>
        outcome.ValueKind == JsonValueKind.Object && outcome.TryGetProperty("issue", out var issues)
            ? [.. issues.EnumerateArray()
                .Where(i => i.TryGetProperty("severity", out var severity) && severity.GetString() is "error" or "fatal")
                .Select(i => i.TryGetProperty("details", out var details) && details.TryGetProperty("text", out var t) ? t.GetString() ?? string.Empty : string.Empty)]
            : [];

    public ValueTask DisposeAsync()
    {
        if (ownsClient)
        {
            http.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
