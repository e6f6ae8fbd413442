using System.Text;
using Confluent.Kafka;
using Grpc.Core;
using Grpc.Net.Client;
using Metadata = Grpc.Core.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Routing;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.Extensions;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// ConsentRegistry as TwinState serves it (service defaults, bearer tokens from an in-process issuer, Kestrel over
/// HTTP/2 on a free port) against the embedded Kafka: what it answers, what it puts on the consent and audit topics,
/// and what it refuses.
/// </summary>
public sealed class ConsentRegistryTests(EmbeddedKafkaFixture cluster) : IClassFixture<EmbeddedKafkaFixture>, IDisposable
{
    private const string Patient = "patient-consent-1";
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly LocalTokenIssuer _issuer = new();

    public void Dispose() => _issuer.Dispose();

    [Fact]
    public async Task A_recorded_consent_is_on_the_consent_topic_keyed_by_patient_and_read_back_at_once()
    {
        var topics = CreateTopics();
        await using var server = await StartAsync(topics);

        var recorded = await server.Registry.RecordConsentAsync(
            new RecordConsentRequest { PatientId = Patient, State = ConsentState.Monitoring, ResearchAllowed = true, Reference = "form-2025-117" },
            Bearer("registrar-jones", Roles.Registrar));
        var read = await server.Registry.GetConsentAsync(new GetConsentRequest { PatientId = Patient }, Bearer("dr-smith", Roles.Clinician));

        Assert.Equal(
            (Patient, ConsentState.Monitoring, true, Now, "registrar-jones", "form-2025-117"),
            (recorded.PatientId, recorded.State, recorded.ResearchAllowed, recorded.RecordedAt.ToDateTimeOffset(), recorded.RecordedBy, recorded.Reference));
        Assert.Equal(recorded, read);
        var record = Assert.Single(Records(topics.Consent));
        Assert.Equal(Patient, record.Message.Key);
        Assert.Equal(ConsentRecorded.Descriptor.FullName, Header(record, EventHeaders.Schema));
        Assert.Equal(recorded, ConsentRecorded.Parser.ParseFrom(record.Message.Value));
        var audited = Records(topics.Audit).Select(r => AccessAudited.Parser.ParseFrom(r.Message.Value)).ToList();
        Assert.Equal(
            [("registrar-jones", Patient, AuditOutcome.Allowed), ("dr-smith", Patient, AuditOutcome.Allowed)],
            audited.Select(a => (a.Actor, a.PatientId, a.Outcome)));
        Assert.DoesNotContain(server.Log, line => line.Contains(Patient, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_latest_record_is_the_patients_consent_and_a_patient_without_one_is_not_found()
    {
        var topics = CreateTopics();
        await using var server = await StartAsync(topics);
        var registrar = Bearer("registrar-jones", Roles.Registrar);

        await server.Registry.RecordConsentAsync(new RecordConsentRequest { PatientId = Patient, State = ConsentState.Monitoring }, registrar);
        _clock.Advance(TimeSpan.FromHours(2));
        await server.Registry.RecordConsentAsync(new RecordConsentRequest { PatientId = Patient, State = ConsentState.Withdrawn, Reference = "withdrawal-9" }, registrar);
        var read = await server.Registry.GetConsentAsync(new GetConsentRequest { PatientId = Patient }, registrar);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => server.Registry.GetConsentAsync(new GetConsentRequest { PatientId = "patient-never-recorded" }, registrar).ResponseAsync);

        Assert.Equal((ConsentState.Withdrawn, Now.AddHours(2), "withdrawal-9"), (read.State, read.RecordedAt.ToDateTimeOffset(), read.Reference));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("Monitor", unknown.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(2, Records(topics.Consent).Count);
    }

    [Fact]
    public async Task A_consent_kafka_did_not_take_is_unavailable_and_not_recorded_and_recording_it_again_works()
    {
        var topics = CreateTopics();
        await using var server = await StartAsync(topics);
        var registrar = Bearer("registrar-jones", Roles.Registrar);
        var request = new RecordConsentRequest { PatientId = Patient, State = ConsentState.Withdrawn };
        // The replica announces the partitions it was given; that produce must not be the one the error hits.
        await server.Services.GetRequiredService<TwinConsumer>().Assigned.WaitAsync(TimeSpan.FromSeconds(30));
        await server.Services.GetRequiredService<OwnershipDirectory>().Published;

        cluster.Kafka.PushRequestErrors(KafkaApi.Produce, ErrorCode.InvalidRequest);
        var failed = await Assert.ThrowsAsync<RpcException>(() => server.Registry.RecordConsentAsync(request, registrar).ResponseAsync);
        var notThere = await Assert.ThrowsAsync<RpcException>(() => server.Registry.GetConsentAsync(new GetConsentRequest { PatientId = Patient }, registrar).ResponseAsync);
        var again = await server.Registry.RecordConsentAsync(request, registrar);

        Assert.Equal(StatusCode.Unavailable, failed.StatusCode);
        Assert.Equal(StatusCode.NotFound, notThere.StatusCode);
        Assert.Equal(ConsentState.Withdrawn, again.State);
        Assert.Single(Records(topics.Consent));
        Assert.Equal(
            [AuditOutcome.Failed, AuditOutcome.Allowed, AuditOutcome.Allowed],
            Records(topics.Audit).Select(r => AccessAudited.Parser.ParseFrom(r.Message.Value).Outcome));
    }

    [Fact]
    public async Task A_twin_state_started_after_consents_were_recorded_answers_from_the_topic()
    {
        var topics = CreateTopics();
        await using (var first = await StartAsync(topics))
        {
            await first.Registry.RecordConsentAsync(new RecordConsentRequest { PatientId = Patient, State = ConsentState.Refused }, Bearer("registrar-jones", Roles.Registrar));
            await first.Registry.RecordConsentAsync(new RecordConsentRequest { PatientId = "patient-consent-2", State = ConsentState.Monitoring }, Bearer("registrar-jones", Roles.Registrar));
        }

        await using var restarted = await StartAsync(topics);
        var refused = await restarted.Registry.GetConsentAsync(new GetConsentRequest { PatientId = Patient }, Bearer("dr-smith", Roles.Clinician));
        var monitored = await restarted.Registry.GetConsentAsync(new GetConsentRequest { PatientId = "patient-consent-2" }, Bearer("dr-smith", Roles.Clinician));

        Assert.Equal((ConsentState.Refused, "registrar-jones"), (refused.State, refused.RecordedBy));
        Assert.Equal(ConsentState.Monitoring, monitored.State);
    }

    public static TheoryData<string, string> Callers => new()
    {
        { "RecordConsent", "clinician" },
        { "RecordConsent", "operator" },
        { "RecordConsent", "integration" },
        { "GetConsent", "operator" },
        { "GetConsent", "integration" },
    };

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task A_caller_without_the_role_is_denied_and_nothing_is_recorded(string method, string role)
    {
        var topics = CreateTopics();
        await using var server = await StartAsync(topics);
        var headers = Bearer("someone", role);

        var denied = await Assert.ThrowsAsync<RpcException>(() => method == "RecordConsent"
            ? server.Registry.RecordConsentAsync(new RecordConsentRequest { PatientId = Patient, State = ConsentState.Refused }, headers).ResponseAsync
            : server.Registry.GetConsentAsync(new GetConsentRequest { PatientId = Patient }, headers).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Empty(Records(topics.Consent));
    }

    [Fact]
    public async Task A_clinician_reads_the_consent_only_of_patients_on_the_wards_granted_and_a_registrar_of_anyone()
    {
        var topics = CreateTopics();
        await using var server = await StartAsync(topics);
        var registrar = Bearer("registrar-jones", Roles.Registrar);
        foreach (var patient in new[] { "patient-on-ward-a", "patient-on-ward-b", "patient-without-twin" })
        {
            await server.Registry.RecordConsentAsync(new RecordConsentRequest { PatientId = patient, State = ConsentState.Monitoring }, registrar);
        }
        var twins = server.Services.GetRequiredService<TwinRegistry>();
        twins.GetOrCreate("patient-on-ward-a").SetContext(new PatientContext(Ward: "ward-a"));
        twins.GetOrCreate("patient-on-ward-b").SetContext(new PatientContext(Ward: "ward-b"));
        var wardA = Bearer("dr-smith", [Roles.Clinician], ["ward-a"]);

        var own = await server.Registry.GetConsentAsync(new GetConsentRequest { PatientId = "patient-on-ward-a" }, wardA);
        var otherWard = await Assert.ThrowsAsync<RpcException>(() => server.Registry.GetConsentAsync(new GetConsentRequest { PatientId = "patient-on-ward-b" }, wardA).ResponseAsync);
        var noWard = await Assert.ThrowsAsync<RpcException>(() => server.Registry.GetConsentAsync(new GetConsentRequest { PatientId = "patient-without-twin" }, wardA).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => server.Registry.GetConsentAsync(new GetConsentRequest { PatientId = "patient-never-recorded" }, wardA).ResponseAsync);
        var byRegistrar = await server.Registry.GetConsentAsync(new GetConsentRequest { PatientId = "patient-without-twin" }, Bearer("registrar-jones", [Roles.Registrar], []));

        Assert.Equal(ConsentState.Monitoring, own.State);
        // Refused alike whether the patient is elsewhere, on no ward or unknown: the clinician learns nothing of them.
        Assert.All(new[] { otherWard, noWard, unknown }, denied => Assert.Equal((StatusCode.PermissionDenied, "that patient is not on a ward your token grants"), (denied.StatusCode, denied.Status.Detail)));
        Assert.Equal("patient-without-twin", byRegistrar.PatientId);
        var denials = Records(topics.Audit).Select(r => AccessAudited.Parser.ParseFrom(r.Message.Value)).Where(a => a.Outcome == AuditOutcome.Denied).ToList();
        Assert.Equal(["patient-on-ward-b", "patient-without-twin", "patient-never-recorded"], denials.Select(a => a.PatientId));
    }

    [Fact]
    public async Task A_call_without_a_valid_token_is_unauthenticated()
    {
        var topics = CreateTopics();
        await using var server = await StartAsync(topics);
        using var stranger = new LocalTokenIssuer();
        var forged = new Metadata { { "authorization", $"Bearer {stranger.Mint("registrar-jones", [Roles.Registrar], lifetime: TimeSpan.FromDays(3_650), notBefore: Now.AddDays(-1))}" } };

        var anonymous = await Assert.ThrowsAsync<RpcException>(() => server.Registry.RecordConsentAsync(new RecordConsentRequest { PatientId = Patient, State = ConsentState.Refused }).ResponseAsync);
        var untrusted = await Assert.ThrowsAsync<RpcException>(() => server.Registry.RecordConsentAsync(new RecordConsentRequest { PatientId = Patient, State = ConsentState.Refused }, forged).ResponseAsync);
        var reading = await Assert.ThrowsAsync<RpcException>(() => server.Registry.GetConsentAsync(new GetConsentRequest { PatientId = Patient }).ResponseAsync);

        Assert.Equal([StatusCode.Unauthenticated, StatusCode.Unauthenticated, StatusCode.Unauthenticated], new[] { anonymous.StatusCode, untrusted.StatusCode, reading.StatusCode });
        Assert.Empty(Records(topics.Consent));
    }

    public static TheoryData<string, RecordConsentRequest> InvalidRecords => new()
    {
        { "patient_id", new RecordConsentRequest { State = ConsentState.Monitoring } },
        { "patient_id", new RecordConsentRequest { PatientId = "   ", State = ConsentState.Monitoring } },
        { "patient_id", new RecordConsentRequest { PatientId = new string('p', 129), State = ConsentState.Monitoring } },
        { "patient_id", new RecordConsentRequest { PatientId = "patient\n1", State = ConsentState.Monitoring } },
        { "state", new RecordConsentRequest { PatientId = Patient } },
        { "state", new RecordConsentRequest { PatientId = Patient, State = (ConsentState)42 } },
        { "research_allowed", new RecordConsentRequest { PatientId = Patient, State = ConsentState.Refused, ResearchAllowed = true } },
        { "research_allowed", new RecordConsentRequest { PatientId = Patient, State = ConsentState.Withdrawn, ResearchAllowed = true } },
        { "reference", new RecordConsentRequest { PatientId = Patient, State = ConsentState.Monitoring, Reference = new string('r', 129) } },
        { "reference", new RecordConsentRequest { PatientId = Patient, State = ConsentState.Monitoring, Reference = "form\u00077" } },
    };

    [Theory]
    [MemberData(nameof(InvalidRecords))]
    public async Task An_invalid_record_is_refused_naming_its_field_and_nothing_is_published(string field, RecordConsentRequest request)
    {
        var topics = CreateTopics();
        await using var server = await StartAsync(topics);

        var refused = await Assert.ThrowsAsync<RpcException>(() => server.Registry.RecordConsentAsync(request, Bearer("registrar-jones", Roles.Registrar)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.StartsWith(field, refused.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(Records(topics.Consent));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("patient\t2")]
    public async Task An_invalid_patient_id_to_read_is_refused(string patientId)
    {
        var topics = CreateTopics();
        await using var server = await StartAsync(topics);

        var refused = await Assert.ThrowsAsync<RpcException>(() => server.Registry.GetConsentAsync(new GetConsentRequest { PatientId = patientId }, Bearer("dr-smith", Roles.Clinician)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
    }

    private KafkaTopics CreateTopics()
    {
        var topics = cluster.CreateTopics();
        topics.Audit = $"test-audit-{Guid.NewGuid():N}";
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Audit, Partitions: 1, Compacted: false));
        return topics;
    }

    private Metadata Bearer(string subject, params string[] roles) => Bearer(subject, roles, [Caller.EveryWard]);

    private Metadata Bearer(string subject, string[] roles, string[] wards) => new()
    {
        // Valid on the service's fake clock and on the real one, whichever the token handler reads.
        { "authorization", $"Bearer {_issuer.Mint(subject, roles, wards, lifetime: TimeSpan.FromDays(3_650), notBefore: Now.AddDays(-1))}" },
    };

    private async Task<RegistryServer> StartAsync(KafkaTopics topics)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "VitalTwin.TwinState", EnvironmentName = "Production" });
        var settings = cluster.Settings(topics, $"test-twin-state-{Guid.NewGuid():N}");
        settings["Kafka:Topics:Audit"] = topics.Audit;
        settings["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0";
        settings["Kestrel:Endpoints:Grpc:Protocols"] = "Http2";
        settings["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0";
        settings["Kestrel:Endpoints:Http:Protocols"] = "Http2";
        foreach (var (key, value) in _issuer.ServiceConfiguration)
        {
            settings[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(settings);
        var log = new List<string>();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ListLoggerProvider(log));
        builder.AddServiceDefaults();
        builder.AddTwinState();
        builder.Services.AddSingleton<TimeProvider>(_clock);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapTwinState();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new RegistryServer(app, GrpcChannel.ForAddress(address), log);
    }

    private List<ConsumeResult<string, byte[]>> Records(string topic)
    {
        var config = new ConsumerConfig { BootstrapServers = cluster.Kafka.BootstrapServers, GroupId = $"test-reader-{Guid.NewGuid():N}", EnableAutoCommit = false };
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        var partition = new TopicPartition(topic, 0);
        var end = consumer.QueryWatermarkOffsets(partition, TwinStateServer.Patience).High.Value;
        var records = new List<ConsumeResult<string, byte[]>>();
        if (end == 0)
        {
            return records;
        }
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        using var deadline = new CancellationTokenSource(TwinStateServer.Patience);
        while (records.Count == 0 || records[^1].Offset.Value < end - 1)
        {
            records.Add(consumer.Consume(deadline.Token));
        }
        return records;
    }

    private static string? Header(ConsumeResult<string, byte[]> record, string name) =>
        record.Message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;

    private sealed class RegistryServer(WebApplication app, GrpcChannel channel, List<string> log) : IAsyncDisposable
    {
        public ConsentRegistry.ConsentRegistryClient Registry { get; } = new(channel);

        public IServiceProvider Services => app.Services;

        /// <summary>Lines logged at Information or above.</summary>
        public IReadOnlyList<string> Log
        {
            get
            {
                lock (log)
                {
                    return [.. log];
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            channel.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines);

        public void Dispose()
        {
        }

        private sealed class Logger(List<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    lock (lines)
                    {
                        lines.Add($"{logLevel}: {formatter(state, exception)} {exception?.Message}");
                    }
                }
            }
        }
    }
}
