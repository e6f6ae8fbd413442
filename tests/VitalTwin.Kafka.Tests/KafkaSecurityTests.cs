using System.Diagnostics;
using System.Net;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Kafka.Embedded;
using VitalTwin.Kafka.Security;
using Xunit.Abstractions;

namespace VitalTwin.Kafka.Tests;

/// <summary>
/// <c>Kafka:Security</c> reaches every client as librdkafka properties, is refused at start when incomplete, never
/// shows a secret, and a client that expects TLS from a plaintext cluster fails fast and says so. No TLS or SASL
/// broker can run here (the mock cluster speaks plaintext only), so a successful TLS connection is not shown.
/// </summary>
public sealed class KafkaSecurityTests(ITestOutputHelper output)
{
    private const string Secret = "s3cret-that-must-not-be-logged";

    [Fact]
    public void Plaintext_is_the_default_and_sets_nothing_but_the_protocol_and_servers()
    {
        var config = new KafkaOptions { BootstrapServers = "127.0.0.1:9092" }.Connect(new ProducerConfig());

        Assert.Equal(
            new Dictionary<string, string> { ["bootstrap.servers"] = "127.0.0.1:9092", ["security.protocol"] = "plaintext" },
            config.ToDictionary(p => p.Key, p => p.Value));
    }

    [Fact]
    public void Sasl_ssl_with_scram_and_a_client_certificate_maps_to_librdkafka_properties_on_every_kind_of_client()
    {
        using var files = new TempFiles();
        var kafka = new KafkaOptions
        {
            BootstrapServers = "kafka-1.hospital.example:9093,kafka-2.hospital.example:9093",
            Security = new KafkaSecurityOptions
            {
                Protocol = SecurityProtocol.SaslSsl,
                SaslMechanism = SaslMechanism.ScramSha512,
                SaslUsername = "vitaltwin-twinstate",
                SaslPassword = Secret,
                CaLocation = files.Create("ca.pem"),
                CertificateLocation = files.Create("client.pem"),
                KeyLocation = files.Create("client.key"),
                KeyPassword = "key-password",
                EndpointIdentification = false,
            },
        };
        ClientConfig[] clients = [kafka.Connect(new ProducerConfig()), kafka.Connect(new ConsumerConfig()), kafka.Connect(new AdminClientConfig())];

        foreach (var config in clients)
        {
            var properties = config.ToDictionary(p => p.Key, p => p.Value);
            Assert.Equal(kafka.BootstrapServers, properties["bootstrap.servers"]);
            Assert.Equal("sasl_ssl", properties["security.protocol"]);
            Assert.Equal("SCRAM-SHA-512", properties["sasl.mechanism"]);
            Assert.Equal("vitaltwin-twinstate", properties["sasl.username"]);
            Assert.Equal(Secret, properties["sasl.password"]);
            Assert.Equal(kafka.Security.CaLocation, properties["ssl.ca.location"]);
            Assert.Equal(kafka.Security.CertificateLocation, properties["ssl.certificate.location"]);
            Assert.Equal(kafka.Security.KeyLocation, properties["ssl.key.location"]);
            Assert.Equal("key-password", properties["ssl.key.password"]);
            Assert.Equal("none", properties["ssl.endpoint.identification.algorithm"]);
        }
    }

    [Fact]
    public void Sasl_plaintext_sends_credentials_and_sets_no_tls_property()
    {
        var kafka = new KafkaOptions
        {
            BootstrapServers = "10.0.0.5:9092",
            Security = new KafkaSecurityOptions { Protocol = SecurityProtocol.SaslPlaintext, SaslMechanism = SaslMechanism.ScramSha256, SaslUsername = "vt", SaslPassword = Secret },
        };

        var properties = kafka.Connect(new ConsumerConfig()).ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal(("sasl_plaintext", "SCRAM-SHA-256", "vt"), (properties["security.protocol"], properties["sasl.mechanism"], properties["sasl.username"]));
        Assert.DoesNotContain(properties.Keys, key => key.StartsWith("ssl.", StringComparison.Ordinal));
    }

    [Fact]
    public void Oauthbearer_uses_oidc_client_credentials_and_tls_identifies_the_endpoint_by_default()
    {
        var kafka = new KafkaOptions
        {
            BootstrapServers = "kafka.hospital.example:9093",
            Security = new KafkaSecurityOptions
            {
                Protocol = SecurityProtocol.SaslSsl,
                SaslMechanism = SaslMechanism.OAuthBearer,
                OAuthBearerTokenEndpoint = new Uri("https://login.hospital.example/oauth2/token"),
                OAuthBearerClientId = "vitaltwin-gateway",
                OAuthBearerClientSecret = Secret,
                OAuthBearerScope = "kafka",
                CaPem = "-----BEGIN CERTIFICATE-----",
            },
        };

        var properties = kafka.Connect(new ConsumerConfig()).ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal("OAUTHBEARER", properties["sasl.mechanism"]);
        Assert.Equal("oidc", properties["sasl.oauthbearer.method"]);
        Assert.Equal("https://login.hospital.example/oauth2/token", properties["sasl.oauthbearer.token.endpoint.url"]);
        Assert.Equal("vitaltwin-gateway", properties["sasl.oauthbearer.client.id"]);
        Assert.Equal(Secret, properties["sasl.oauthbearer.client.secret"]);
        Assert.Equal("kafka", properties["sasl.oauthbearer.scope"]);
        Assert.Equal("-----BEGIN CERTIFICATE-----", properties["ssl.ca.pem"]);
        Assert.Equal("https", properties["ssl.endpoint.identification.algorithm"]);
        Assert.DoesNotContain("sasl.password", properties.Keys);
    }

    [Theory]
    [InlineData("SaslSsl", null, "vt", Secret, "SaslMechanism is required")]
    [InlineData("SaslSsl", "ScramSha256", "vt", null, "needs SaslUsername and SaslPassword")]
    [InlineData("SaslPlaintext", "Plain", null, Secret, "needs SaslUsername and SaslPassword")]
    [InlineData("SaslSsl", "OAuthBearer", null, null, "OAuthBearer needs an https OAuthBearerTokenEndpoint")]
    [InlineData("SaslSsl", "Gssapi", "vt", Secret, "Gssapi is not supported")]
    [InlineData("Ssl", "Plain", "vt", Secret, "SASL settings are given but Protocol is Ssl")]
    [InlineData("Plaintext", null, "vt", Secret, "SASL settings are given but Protocol is Plaintext")]
    public async Task Incomplete_sasl_settings_stop_the_service_at_start_without_showing_a_secret(
        string protocol, string? mechanism, string? username, string? password, string expected)
    {
        var error = await StartFailsAsync(new Dictionary<string, string?>
        {
            ["Kafka:Security:Protocol"] = protocol,
            ["Kafka:Security:SaslMechanism"] = mechanism,
            ["Kafka:Security:SaslUsername"] = username,
            ["Kafka:Security:SaslPassword"] = password,
        });

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_files_that_do_not_exist_or_do_not_pair_or_meet_a_plaintext_protocol_stop_the_service_at_start()
    {
        using var files = new TempFiles();
        var missing = await StartFailsAsync(new Dictionary<string, string?>
        {
            ["Kafka:Security:Protocol"] = "Ssl",
            ["Kafka:Security:CaLocation"] = Path.Combine(files.Directory, "absent.pem"),
        });
        var unpaired = await StartFailsAsync(new Dictionary<string, string?>
        {
            ["Kafka:Security:Protocol"] = "Ssl",
            ["Kafka:Security:CertificateLocation"] = files.Create("client.pem"),
        });
        var plaintext = await StartFailsAsync(new Dictionary<string, string?>
        {
            ["Kafka:Security:Protocol"] = "Plaintext",
            ["Kafka:Security:CaLocation"] = files.Create("ca.pem"),
        });

        Assert.Contains("CaLocation: no such file", missing.Message, StringComparison.Ordinal);
        Assert.Contains("CertificateLocation and KeyLocation go together", unpaired.Message, StringComparison.Ordinal);
        Assert.Contains("TLS settings are given but Protocol is Plaintext", plaintext.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kafka.hospital.example:9092", "Plaintext", true)]
    [InlineData("127.0.0.1:9092,10.1.2.3:9092", "SaslPlaintext", true)]
    [InlineData("localhost:9092,127.0.0.1:9093,[::1]:9094", "Plaintext", false)]
    [InlineData("kafka.hospital.example:9093", "Ssl", false)]
    public async Task Unencrypted_traffic_to_a_broker_off_this_machine_is_warned_about_at_start(string servers, string protocol, bool warned)
    {
        var settings = new Dictionary<string, string?> { ["Kafka:BootstrapServers"] = servers, ["Kafka:Security:Protocol"] = protocol };
        if (protocol == "SaslPlaintext")
        {
            settings["Kafka:Security:SaslMechanism"] = "ScramSha256";
            settings["Kafka:Security:SaslUsername"] = "vt";
            settings["Kafka:Security:SaslPassword"] = Secret;
        }
        var logs = new LogCapture();
        using var host = Build(settings, logs);

        await host.StartAsync(CancellationToken.None);
        await host.StopAsync(CancellationToken.None);

        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Information && l.Line.Contains($"Kafka clients connect with {protocol}", StringComparison.Ordinal));
        Assert.Equal(warned, logs.Lines.Any(l => l.Level == LogLevel.Warning && l.Line.Contains("is not encrypted", StringComparison.Ordinal)));
        Assert.DoesNotContain(logs.Lines, l => l.Line.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_service_configured_for_tls_against_the_plaintext_cluster_reports_kafka_unreachable_within_its_probe_timeout()
    {
        using var kafka = EmbeddedKafka.Start([], brokerCount: 1);
        await using var service = await ServiceDefaultsHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
                ["Kafka:Security:Protocol"] = "Ssl",
                ["Kafka:HealthCheckTimeout"] = "00:00:02",
            },
            output);
        using var http = new HttpClient { BaseAddress = service.Address(), Timeout = Clients.Timeout };
        var elapsed = Stopwatch.StartNew();

        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
        elapsed.Stop();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Unhealthy", await response.Content.ReadAsStringAsync());
        // The probe gives up after its timeout rather than waiting on the failing handshakes.
        Assert.InRange(elapsed.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_producer_configured_for_tls_against_the_plaintext_cluster_reports_the_failed_handshake()
    {
        using var kafka = EmbeddedKafka.Start([], brokerCount: 1);
        var logs = new LogCapture();
        using var host = Build(new Dictionary<string, string?> { ["Kafka:BootstrapServers"] = kafka.BootstrapServers, ["Kafka:Security:Protocol"] = "Ssl" }, logs);
        await host.StartAsync(CancellationToken.None);
        var producer = host.Services.GetRequiredService<EventProducer>();
        using var giveUp = new CancellationTokenSource();

        var publishing = producer.PublishAsync(Unique.Name("tls"), "patient-tls", new Google.Protobuf.WellKnownTypes.Empty(), "m-1", giveUp.Token);
        var errors = await logs.WaitForAsync(line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains("Kafka producer error", StringComparison.Ordinal), 1, Clients.Timeout);
        await giveUp.CancelAsync();

        output.WriteLine(errors[0]);
        // Not the address's "ssl://": librdkafka names the connection state the broker hung up in.
        Assert.Contains("in state SSL_HANDSHAKE", errors[0], StringComparison.Ordinal);
        Assert.False(publishing.IsCompletedSuccessfully);
        await host.StopAsync(CancellationToken.None);
    }

    private static async Task<OptionsValidationException> StartFailsAsync(Dictionary<string, string?> security)
    {
        security["Kafka:BootstrapServers"] = "127.0.0.1:9092";
        using var host = Build(security, new LogCapture());
        return await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(CancellationToken.None));
    }

    private static IHost Build(IReadOnlyDictionary<string, string?> settings, LogCapture logs)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "VitalTwin.Kafka.Tests", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddKafka();
        return builder.Build();
    }

    private sealed class TempFiles : IDisposable
    {
        public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("vitaltwin-kafka-tls-").FullName;

        public string Create(string name)
        {
            var path = Path.Combine(Directory, name);
            File.WriteAllText(path, "placeholder");
            return path;
        }

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
    }
}
