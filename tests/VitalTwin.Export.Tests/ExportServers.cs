using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.TwinState.History.Tests.Influx;

namespace VitalTwin.Export.Tests;

/// <summary>
/// One embedded Kafka and one influxd for every test in <see cref="ExportServersCollection"/>. Each test has a consent
/// topic of its own and patients no other test uses, so tests share the servers without seeing each other's data.
/// </summary>
public sealed class ExportServers : IAsyncLifetime
{
    public const string Database = "vitaltwin";

    private InfluxServer? _influx;
    private IProducer<string, byte[]>? _producer;
    private HttpClient? _http;

    public EmbeddedKafka Kafka { get; private set; } = null!;

    internal InfluxServer Influx => _influx ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync()
    {
        Kafka = EmbeddedKafka.Start([]);
        _producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = Kafka.BootstrapServers, EnableIdempotence = true, Acks = Acks.All }).Build();
        _influx = await InfluxServer.StartAsync();
        await _influx.ExecuteAsync($"CREATE DATABASE \"{Database}\"", CancellationToken.None);
        _http = new HttpClient { BaseAddress = _influx.Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        _producer?.Dispose();
        if (_influx is not null)
        {
            await _influx.DisposeAsync();
        }

        Kafka?.Dispose();
        if (Directory.Exists(ExportRun.Root))
        {
            Directory.Delete(ExportRun.Root, recursive: true);
        }
    }

    /// <summary>A consent topic no other test uses, with three partitions like a real deployment's.</summary>
    public string NewConsentTopic()
    {
        var topic = $"test-consent-{Guid.NewGuid():N}";
        Kafka.CreateTopic(new TopicSpec(topic, Partitions: 3, Compacted: true));
        return topic;
    }

    /// <summary>The export's configuration for these servers; the key is the test's to set.</summary>
    public Dictionary<string, string?> Settings(string consentTopic, string? key) => new()
    {
        ["Kafka:BootstrapServers"] = Kafka.BootstrapServers,
        ["Kafka:Topics:Consent"] = consentTopic,
        ["History:Influx:Url"] = Influx.Url.ToString(),
        ["History:Influx:Database"] = Database,
        ["History:Influx:Username"] = "vitaltwin",
        ["History:Influx:Password"] = "not-checked-by-this-influxd",
        ["Export:PseudonymKey"] = key ?? string.Empty,
        ["Export:MinimumPatients"] = "1",
        ["Export:ProgressInterval"] = "00:00:00",
        ["Export:KafkaTimeout"] = "00:00:20",
    };

    /// <summary>Publishes a consent record as the consent registry does: keyed by patient id, with the schema header.</summary>
    public Task RecordConsentAsync(string topic, string patientId, ConsentState state, bool researchAllowed, string reference = "") =>
        PublishAsync(topic, patientId, ConsentRecorded.Descriptor.FullName, new ConsentRecorded
        {
            PatientId = patientId,
            State = state,
            ResearchAllowed = researchAllowed,
            RecordedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            RecordedBy = "registrar-test",
            Reference = reference,
        }.ToByteArray());

    /// <summary>Publishes anything under any key: tombstones (null value, no schema), foreign schemas, corrupt payloads.</summary>
    public async Task PublishAsync(string topic, string key, string? schema, byte[]? value)
    {
        var headers = new Headers();
        if (schema is not null)
        {
            headers.Add(EventHeaders.ContentType, Encoding.UTF8.GetBytes(EventHeaders.ProtobufContentType));
            headers.Add(EventHeaders.Schema, Encoding.UTF8.GetBytes(schema));
            headers.Add(EventHeaders.MessageId, Encoding.UTF8.GetBytes(Guid.NewGuid().ToString("N")));
        }

        await _producer!.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value!, Headers = headers });
    }

    /// <summary>
    /// Stores readings as TwinState's history store lays them out (measurement <c>vitals</c>, tags <c>device</c>,
    /// <c>loinc</c>, <c>patient</c>, fields <c>unit</c> and <c>value</c>, nanosecond times), through influxd's own write endpoint.
    /// </summary>
    internal async Task StoreAsync(IEnumerable<StoredReading> readings)
    {
        var lines = string.Join('\n', readings.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"vitals,device={r.DeviceId},loinc={r.Loinc},patient={r.PatientId} unit=\"{r.Unit}\",value={r.Value} {(r.At - DateTimeOffset.UnixEpoch).Ticks * 100}")));
        using var body = new StringContent(lines, Encoding.UTF8);
        body.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var response = await _http!.PostAsync($"write?db={Database}&precision=n", body);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"influxd refused the readings: {(int)response.StatusCode} {answer}");
    }
}

[CollectionDefinition(Name)]
public sealed class ExportServersCollection : ICollectionFixture<ExportServers>
{
    public const string Name = "export servers";
}

/// <summary>A reading as the history store holds it (identifiers included), which the export must strip.</summary>
internal sealed record StoredReading(string PatientId, string Loinc, double Value, string Unit, DateTimeOffset At, string DeviceId);
