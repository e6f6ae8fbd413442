using System.ComponentModel.DataAnnotations;
using VitalTwin.DeviceTransports;

namespace VitalTwin.Simulator;

public sealed class SimulatorOptions : IValidatableObject
{
    public const string SectionName = "Simulator";

    /// <summary>The Gateway's gRPC address: registrations always go there, and so do the readings over gRPC.</summary>
    [Required, Url]
    public string GatewayUrl { get; set; } = string.Empty;

    /// <summary>The Gateway's front door the devices send through: grpc, mqtt, fhir or hl7.</summary>
    [Required]
    public string Transport { get; set; } = "grpc";

    /// <summary>
    /// Where the FHIR transport posts; unset, <see cref="GatewayUrl"/>. The transport speaks HTTP/2: an <c>http://</c>
    /// address must serve HTTP/2 without TLS (the Gateway's gRPC endpoint does, its HTTP/1.1 endpoint does not); an
    /// <c>https://</c> one may be either.
    /// </summary>
    [Url]
    public string? HttpUrl { get; set; }

    /// <summary>The Gateway's MQTT listener, <c>mqtt://host:port</c> (or <c>mqtts://</c>); needed with the mqtt transport.</summary>
    public string? MqttUrl { get; set; }

    /// <summary>The Gateway's HL7 v2 (MLLP) listener, <c>tcp://host:port</c>; needed with the hl7 transport.</summary>
    public string? Hl7Url { get; set; }

    /// <summary>The transport named by <see cref="Transport"/>, once the options are valid (a method: validation reads every property).</summary>
    public DeviceTransportKind GetTransportKind() => ParseTransport(Transport) ?? throw new InvalidOperationException($"Unknown transport '{Transport}'.");

    /// <summary>Where the transport reaches the Gateway, once the options are valid.</summary>
    public GatewayAddresses GetGatewayAddresses() => new(
        new Uri(GetTransportKind() == DeviceTransportKind.Fhir ? HttpUrl ?? GatewayUrl : GatewayUrl),
        MqttUrl is null ? null : new Uri(MqttUrl),
        Hl7Url is null ? null : new Uri(Hl7Url));

    [Range(1, 100_000)]
    public int Patients { get; set; } = 20;

    /// <summary>How many of the patients follow the scripted deterioration.</summary>
    [Range(0, 100_000)]
    public int Deteriorating { get; set; } = 3;

    /// <summary>Readings per second per vital per patient.</summary>
    [Range(0.01, 100)]
    public double RateHz { get; set; } = 1;

    /// <summary>When the deterioration starts, after the simulator starts.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan DeteriorationOnset { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the deterioration takes to reach its worst.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DeteriorationRamp { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Ingest calls in flight at once. Each call waits for Kafka's acknowledgement, so with few in flight
    /// a large ward cannot keep its rate.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxConcurrentCalls { get; set; } = 64;

    public int Seed { get; set; } = 42;

    /// <summary>
    /// The bearer token sent with device registrations: the Gateway takes them only from the hospital's
    /// registration system (role <c>registrar</c>). Unset, registrations carry no token, which only a Gateway
    /// without an identity provider configured would take. Devices send the credentials their registration returned.
    /// </summary>
    public string? AccessToken { get; set; }

    /// <summary>A scenario file (SCENARIOS.md) to stream instead of the built-in ward.</summary>
    public string? Scenario { get; set; }

    /// <summary>A recording (CSV: timestamp,patient,code,value,unit) to stream instead of the built-in ward.</summary>
    public string? Replay { get; set; }

    /// <summary>How much faster than real time a scenario or recording plays: 60 plays an hour a minute.</summary>
    [Range(0.001, 1_000_000)]
    public double Speed { get; set; } = 1;

    public TimestampMode Timestamps { get; set; } = TimestampMode.Paced;

    /// <summary>Generate the scenario in memory and report the generator's throughput; nothing is sent.</summary>
    public bool DryRun { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Scenario is not null && Replay is not null)
        {
            yield return new ValidationResult("Give a scenario or a recording to replay, not both.", [nameof(Scenario), nameof(Replay)]);
        }
        if (AccessToken is not null && (string.IsNullOrWhiteSpace(AccessToken) || AccessToken.Any(char.IsWhiteSpace)))
        {
            yield return new ValidationResult("AccessToken, when given, is a bearer token: no blanks.", [nameof(AccessToken)]);
        }
        if (DryRun && Scenario is null)
        {
            yield return new ValidationResult("A dry run generates a scenario: give one.", [nameof(DryRun)]);
        }
        foreach (var problem in TransportProblems())
        {
            yield return problem;
        }
        foreach (var (name, path) in new[] { (nameof(Scenario), Scenario), (nameof(Replay), Replay) })
        {
            if (path is not null && !File.Exists(path))
            {
                yield return new ValidationResult($"{name} file '{path}' does not exist.", [name]);
            }
        }
    }

    private IEnumerable<ValidationResult> TransportProblems()
    {
        var kind = ParseTransport(Transport);
        if (kind is null)
        {
            yield return new ValidationResult($"Transport '{Transport}' is not one of grpc, mqtt, fhir, hl7.", [nameof(Transport)]);
        }
        foreach (var (name, url, schemes, example, neededBy) in new[]
        {
            (nameof(MqttUrl), MqttUrl, new[] { "mqtt", "mqtts" }, "--mqtt=mqtt://host:port", DeviceTransportKind.Mqtt),
            (nameof(Hl7Url), Hl7Url, new[] { "tcp" }, "--hl7=tcp://host:port", DeviceTransportKind.Hl7),
        })
        {
            if (url is null)
            {
                if (kind == neededBy)
                {
                    yield return new ValidationResult($"The {kind.Value.ToString().ToLowerInvariant()} transport needs the Gateway's listener: give {example} ({name}).", [name]);
                }
            }
            else if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || !schemes.Contains(address.Scheme) || address.Port <= 0)
            {
                yield return new ValidationResult($"{name} '{url}' is not of the form {example}.", [name]);
            }
        }
    }

    private static DeviceTransportKind? ParseTransport(string? name) =>
        Enum.GetValues<DeviceTransportKind>().Cast<DeviceTransportKind?>().FirstOrDefault(kind => string.Equals(kind.ToString(), name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>What a streamed reading's observed time is.</summary>
public enum TimestampMode
{
    /// <summary>
    /// The moment the reading is due on this clock: the time line starts now and runs <see cref="SimulatorOptions.Speed"/>
    /// times faster, so readings look live to the Gateway at any speed.
    /// </summary>
    Paced,

    /// <summary>
    /// The time on the scenario's or the recording's own time line. The Gateway refuses readings older than its
    /// MaxReadingAge or ahead of its clock, so raise that to replay old recordings.
    /// </summary>
    Recorded,
}
