using k8s.Models;

namespace VitalTwin.Deploy.Tests;

/// <summary>
/// Transport security as Helm renders the chart: gRPC (and the Gateway's other device doors) over TLS from a
/// certificate Secret unless a loudly named value says otherwise, every caller in the release on https trusting the
/// release's CA, the Gateway's client certificate CAs from Secrets, and Kafka over SASL_SSL with a principal per service.
/// </summary>
public sealed class ChartTlsTests(HelmChart chart) : IClassFixture<HelmChart>
{
    private static readonly string[] Required = ["messaging.bootstrapServers=kafka-0.kafka.messaging:9092", "auth.authority=https://login.hospital.example/realms/clinical"];

    private static readonly string[] GrpcServices = ["gateway", "anomaly-detection", "twin-state", "notification"];

    private static readonly string[] KafkaServices = GrpcServices;

    [Fact]
    public async Task Every_grpc_service_serves_tls_by_default_from_the_mounted_certificate_secret_with_probes_on_the_http_port()
    {
        var objects = await chart.RenderAsync(Required);

        foreach (var component in GrpcServices)
        {
            var environment = Environment(objects, component);
            Assert.Equal("https://+:8080", environment["Kestrel__Endpoints__Grpc__Url"]);
            Assert.Equal("http://+:8081", environment["Kestrel__Endpoints__Http__Url"]);
            var (secret, key) = MountedSecretKey(objects, component, environment["Kestrel__Certificates__Default__Path"]);
            Assert.Equal(("vitaltwin-grpc-tls", "tls.crt"), (secret, key));
            Assert.Equal(("vitaltwin-grpc-tls", "tls.key"), MountedSecretKey(objects, component, environment["Kestrel__Certificates__Default__KeyPath"]));

            var container = Container(objects, component);
            foreach (var probe in new[] { container.StartupProbe, container.LivenessProbe, container.ReadinessProbe })
            {
                // Kubelet's gRPC probe cannot speak TLS.
                Assert.Null(probe.Grpc);
                Assert.Equal("http", probe.HttpGet.Port.Value);
            }

            var grpcPort = Assert.Single(Service(objects, component).Spec.Ports, p => p.Name == "grpc");
            Assert.NotEqual("kubernetes.io/h2c", grpcPort.AppProtocol);
        }
    }

    [Fact]
    public async Task A_service_can_serve_its_own_certificate()
    {
        var objects = await chart.RenderAsync([.. Required, "services.gateway.tls.secretName=gateway-public-tls"]);

        Assert.Equal("gateway-public-tls", MountedSecretKey(objects, "gateway", Environment(objects, "gateway")["Kestrel__Certificates__Default__Path"]).Secret);
        Assert.Equal("vitaltwin-grpc-tls", MountedSecretKey(objects, "twin-state", Environment(objects, "twin-state")["Kestrel__Certificates__Default__Path"]).Secret);
    }

    [Fact]
    public async Task Every_caller_in_the_release_uses_https_and_trusts_the_releases_ca_besides_the_system_store()
    {
        var objects = await chart.RenderAsync([.. Required, "simulator.enabled=true", "grpc.tls.ca.secretName=vitaltwin-ca", "grpc.tls.ca.key=bundle.pem"]);

        var dashboard = Environment(objects, "dashboard");
        Assert.Equal("https://vitaltwin-twin-state:8080", dashboard["Dashboard__TwinState"]);
        Assert.Equal("https://vitaltwin-notification:8080", dashboard["Dashboard__Notification"]);
        Assert.Equal("https://vitaltwin-gateway:8080", Environment(objects, "simulator")["Simulator__GatewayUrl"]);
        foreach (var component in (string[])["dashboard", "simulator", .. GrpcServices])
        {
            // .NET on Linux takes its roots from every directory SSL_CERT_DIR lists: the system's, and the release's CA.
            var directories = Environment(objects, component)["SSL_CERT_DIR"].Split(':');
            Assert.Contains("/etc/ssl/certs", directories);
            var caDirectory = Assert.Single(directories, d => d != "/etc/ssl/certs");
            Assert.Equal(("vitaltwin-ca", "bundle.pem"), MountedSecretKey(objects, component, $"{caDirectory}/ca.crt"));
        }

        // Replicas relay to each other at pod IPs: they check the Service's name, issued by the release's CA.
        foreach (var component in new[] { "twin-state", "notification" })
        {
            var environment = Environment(objects, component);
            Assert.Equal($"vitaltwin-{component}", environment["Routing__PeerServerName"]);
            Assert.Equal(("vitaltwin-ca", "bundle.pem"), MountedSecretKey(objects, component, environment["Routing__PeerCaPath"]));
        }
    }

    [Fact]
    public async Task The_device_and_system_cas_are_mounted_from_their_secrets_when_given_and_never_the_same()
    {
        var none = await chart.RenderAsync(Required);
        var objects = await chart.RenderAsync([.. Required, "gateway.deviceAuthentication.clientCa.secretName=device-ca", "gateway.deviceAuthentication.systemCa.secretName=system-ca", "gateway.deviceAuthentication.systemCa.key=systems.pem"]);
        var refusal = await chart.RefusalAsync([.. Required, "gateway.deviceAuthentication.clientCa.secretName=device-ca", "gateway.deviceAuthentication.systemCa.secretName=device-ca"]);

        Assert.DoesNotContain("Gateway__DeviceAuthentication__ClientCaPath", Environment(none, "gateway").Keys);
        var environment = Environment(objects, "gateway");
        Assert.Equal(("device-ca", "ca.crt"), MountedSecretKey(objects, "gateway", environment["Gateway__DeviceAuthentication__ClientCaPath"]));
        Assert.Equal(("system-ca", "systems.pem"), MountedSecretKey(objects, "gateway", environment["Gateway__DeviceAuthentication__SystemCaPath"]));
        Assert.DoesNotContain(Deployment(objects, "twin-state").Spec.Template.Spec.Volumes, v => v.Secret?.SecretName == "device-ca");
        Assert.Contains("a device certificate would pass for a sending system's", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_gateways_mqtt_hl7_and_fhir_doors_use_tls_and_are_reached_from_where_its_grpc_port_is()
    {
        var defaults = await chart.RenderAsync(Required);
        var withHl7 = await chart.RenderAsync([.. Required, "gateway.doors.hl7.enabled=true"]);
        var withoutMqtt = await chart.RenderAsync([.. Required, "gateway.doors.mqtt.enabled=false"]);

        var environment = Environment(defaults, "gateway");
        Assert.Equal("https://+:8883", environment["Kestrel__Endpoints__Mqtt__Url"]);
        // FHIR's HTTP/1.1 beside gRPC's HTTP/2 on the TLS port, chosen by ALPN.
        Assert.Equal("Http1AndHttp2", environment["Kestrel__Endpoints__Grpc__Protocols"]);
        Assert.DoesNotContain("Gateway__Hl7__Enabled", environment.Keys);
        Assert.Contains(Container(defaults, "gateway").Ports, p => (p.Name, p.ContainerPort) == ("mqtt", 8883));
        Assert.Contains(Service(defaults, "gateway").Spec.Ports, p => (p.Name, p.Port) == ("mqtt", 8883));
        Assert.Contains(Policy(defaults, "gateway").Spec.Ingress, rule => rule.FromProperty is null && rule.Ports.Any(p => p.Port.Value == "mqtt"));

        var hl7 = Environment(withHl7, "gateway");
        Assert.Equal(("true", "https://+:2575"), (hl7["Gateway__Hl7__Enabled"], hl7["Kestrel__Endpoints__Hl7__Url"]));
        Assert.Contains(Service(withHl7, "gateway").Spec.Ports, p => (p.Name, p.Port) == ("hl7", 2575));
        Assert.Contains(Policy(withHl7, "gateway").Spec.Ingress, rule => rule.Ports.Any(p => p.Port.Value == "hl7"));

        Assert.Equal("false", Environment(withoutMqtt, "gateway")["Gateway__Mqtt__Enabled"]);
        Assert.DoesNotContain(Service(withoutMqtt, "gateway").Spec.Ports, p => p.Name == "mqtt");
        // The other services have no doors.
        Assert.Equal(["grpc"], Service(defaults, "twin-state").Spec.Ports.Select(p => p.Name));
    }

    [Fact]
    public async Task Plaintext_needs_the_loudly_named_value_and_the_notes_warn_about_it()
    {
        var plaintext = await chart.RenderAsync([.. Required, "simulator.enabled=true", "grpc.tls.insecurePlaintext=true"]);
        var secureNotes = await NotesAsync([.. Required]);
        var plaintextNotes = await NotesAsync([.. Required, "grpc.tls.insecurePlaintext=true"]);
        var plaintextKafkaNotes = await NotesAsync([.. Required, "messaging.security.protocol=Plaintext", "messaging.security.saslMechanism="]);

        foreach (var component in GrpcServices)
        {
            var environment = Environment(plaintext, component);
            Assert.Equal("http://+:8080", environment["Kestrel__Endpoints__Grpc__Url"]);
            Assert.DoesNotContain("Kestrel__Certificates__Default__Path", environment.Keys);
            Assert.DoesNotContain("SSL_CERT_DIR", environment.Keys);
            Assert.Equal(8080, Container(plaintext, component).StartupProbe.Grpc.Port);
        }

        Assert.Equal("http://vitaltwin-twin-state:8080", Environment(plaintext, "dashboard")["Dashboard__TwinState"]);
        Assert.Equal("http://vitaltwin-gateway:8080", Environment(plaintext, "simulator")["Simulator__GatewayUrl"]);
        Assert.Equal("http://+:8883", Environment(plaintext, "gateway")["Kestrel__Endpoints__Mqtt__Url"]);
        Assert.Contains("WARNING: INSECURE PLAINTEXT", plaintextNotes, StringComparison.Ordinal);
        Assert.DoesNotContain("INSECURE", secureNotes, StringComparison.Ordinal);
        Assert.Contains("grpcurl -cacert ca.crt -authority vitaltwin-twin-state", secureNotes, StringComparison.Ordinal);
        Assert.Contains("WARNING: Kafka in clear text", plaintextKafkaNotes, StringComparison.Ordinal);
        Assert.DoesNotContain("Kafka in clear text", secureNotes, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TLS without a certificate Secret", "grpc.tls.secretName=", "/grpc/tls/secretName")]
    [InlineData("plaintext spelt as a string", "grpc.tls.insecurePlaintext=yes", "/grpc/tls/insecurePlaintext")]
    [InlineData("a misspelt TLS key", "grpc.tls.insecure=true", "/grpc/tls")]
    [InlineData("a door on no port", "gateway.doors.mqtt.port=0", "/gateway/doors/mqtt/port")]
    [InlineData("a device CA without its key", "gateway.deviceAuthentication.clientCa.key=", "/gateway/deviceAuthentication/clientCa/key")]
    [InlineData("a Kafka credentials prefix that cannot name a Secret", "messaging.security.credentialsSecretPrefix=Kafka_", "/messaging/security/credentialsSecretPrefix")]
    public async Task The_schema_refuses_transport_settings_that_cannot_work(string what, string setting, string location)
    {
        var refusal = await chart.RefusalAsync([.. Required, setting]);

        Assert.True(refusal.Contains(location, StringComparison.Ordinal), $"{what}: {refusal}");
    }

    [Fact]
    public async Task Kafka_is_sasl_ssl_by_default_with_a_principal_per_service_and_the_topics_job_signs_in_too()
    {
        var objects = await chart.RenderAsync(Required);

        var shared = Assert.Single(objects.OfType<V1ConfigMap>(), c => c.Metadata.Name == "vitaltwin-shared").Data;
        Assert.Equal(("SaslSsl", "ScramSha512"), (shared["Kafka__Security__Protocol"], shared["Kafka__Security__SaslMechanism"]));
        foreach (var component in KafkaServices)
        {
            var env = Container(objects, component).Env;
            Assert.Equal($"vitaltwin-kafka-{component}", Assert.Single(env, e => e.Name == "Kafka__Security__SaslUsername").ValueFrom.SecretKeyRef.Name);
            Assert.Equal($"vitaltwin-kafka-{component}", Assert.Single(env, e => e.Name == "Kafka__Security__SaslPassword").ValueFrom.SecretKeyRef.Name);
        }

        Assert.DoesNotContain(Container(objects, "dashboard").Env, e => e.Name.StartsWith("Kafka__Security__", StringComparison.Ordinal));
        var job = Assert.Single(objects.OfType<V1Job>()).Spec.Template.Spec.Containers[0];
        Assert.Equal("SASL_SSL", Assert.Single(job.Env, e => e.Name == "KAFKA_SECURITY_PROTOCOL").Value);
        Assert.Equal("SCRAM-SHA-512", Assert.Single(job.Env, e => e.Name == "KAFKA_SASL_MECHANISM").Value);
        Assert.Equal("vitaltwin-kafka-topics", Assert.Single(job.Env, e => e.Name == "KAFKA_PASSWORD").ValueFrom.SecretKeyRef.Name);
        Assert.Equal(2, job.Args.Single().Split("--command-config \"$config\"").Length - 1);
    }

    [Fact]
    public async Task Twin_state_reads_a_history_token_scoped_to_its_bucket_never_the_influxdb_administrators()
    {
        var objects = await chart.RenderAsync(Required);

        var token = Assert.Single(Container(objects, "twin-state").Env, e => e.Name == "History__Influx__Token").ValueFrom.SecretKeyRef;
        Assert.Equal(("vitaltwin-influxdb-twin-state", "token"), (token.Name, token.Key));
        Assert.DoesNotContain(objects.OfType<V1Deployment>().SelectMany(d => d.Spec.Template.Spec.Containers).SelectMany(c => c.Env ?? []),
            e => e.ValueFrom?.SecretKeyRef?.Key == "admin-token");
    }

    private async Task<string> NotesAsync(string[] settings)
    {
        var (exitCode, output, errors) = await chart.HelmAsync(
            ["install", "vitaltwin", chart.ChartDirectory, "--namespace", "vitaltwin", "--dry-run=client", .. settings.SelectMany(s => new[] { "--set", s })]);
        Assert.True(exitCode == 0, errors);
        var notes = output.IndexOf("NOTES:", StringComparison.Ordinal);
        Assert.True(notes >= 0, "helm printed no NOTES.");
        return output[notes..];
    }

    /// <summary>The Secret and key a file path of a container lies in: a Secret volume mounted at its directory, the key mapped to its name.</summary>
    private static (string Secret, string Key) MountedSecretKey(IReadOnlyList<object> objects, string component, string path)
    {
        var (directory, file) = (path[..path.LastIndexOf('/')], path[(path.LastIndexOf('/') + 1)..]);
        var mount = Assert.Single(Container(objects, component).VolumeMounts, m => m.MountPath == directory);
        Assert.True(mount.ReadOnlyProperty, $"{component} mounts {directory} writable.");
        var secret = Assert.Single(Deployment(objects, component).Spec.Template.Spec.Volumes, v => v.Name == mount.Name).Secret;
        Assert.NotNull(secret);
        var item = Assert.Single(secret.Items, i => i.Path == file);
        return (secret.SecretName, item.Key);
    }

    private static V1Deployment Deployment(IReadOnlyList<object> objects, string component) =>
        Assert.Single(objects.OfType<V1Deployment>(), d => d.Metadata.Name == $"vitaltwin-{component}");

    private static V1Container Container(IReadOnlyList<object> objects, string component) =>
        Assert.Single(Deployment(objects, component).Spec.Template.Spec.Containers);

    private static V1Service Service(IReadOnlyList<object> objects, string component) =>
        Assert.Single(objects.OfType<V1Service>(), s => s.Metadata.Name == $"vitaltwin-{component}");

    private static V1NetworkPolicy Policy(IReadOnlyList<object> objects, string component) =>
        Assert.Single(objects.OfType<V1NetworkPolicy>(), p => p.Metadata.Name == $"vitaltwin-{component}");

    private static Dictionary<string, string> Environment(IReadOnlyList<object> objects, string component) =>
        Container(objects, component).Env.Where(e => e.Value is not null).ToDictionary(e => e.Name, e => e.Value);
}
