using k8s;
using k8s.Models;
using static VitalTwin.Deploy.Tests.RenderedObjects;

namespace VitalTwin.Deploy.Tests;

/// <summary>
/// The ward dashboard as Helm renders the chart: served on its HTTP port with the services' probes, calling TwinQuery
/// and AlertDesk at the release's own Services through NetworkPolicies that let exactly that through, signing in
/// only at the hospital's provider with the secret from a Secret, one key ring for every replica, and the Ingress.
/// </summary>
public sealed class ChartRenderTests(HelmChart chart) : IClassFixture<HelmChart>
{
    private const string Provider = "https://login.hospital.example/realms/clinical";

    /// <summary>What every install sets: the brokers and the identity provider.</summary>
    private static readonly string[] Required = ["messaging.bootstrapServers=kafka-0.kafka.messaging:9092", $"auth.authority={Provider}"];

    private static readonly Dictionary<string, string> IngressControllerPod = new() { ["app.kubernetes.io/name"] = "ingress-nginx" };

    /// <summary>An address outside the cluster, such as the identity provider's: no pod labels.</summary>
    private static readonly Dictionary<string, string> Outside = [];

    [Fact]
    public async Task The_dashboard_serves_its_pages_and_health_on_the_http_port_alone()
    {
        var objects = await chart.RenderAsync(Required);

        var container = Container(objects, "dashboard");
        var port = Assert.Single(container.Ports);
        Assert.Equal(("http", 8081), (port.Name, port.ContainerPort));
        Assert.Equal("http://+:8081", Environment(objects, "dashboard")["Kestrel__Endpoints__Http__Url"]);
        Assert.DoesNotContain("Kestrel__Endpoints__Grpc__Url", Environment(objects, "dashboard").Keys);
        Assert.Equal(("/alive", "http"), (container.StartupProbe.HttpGet.Path, container.StartupProbe.HttpGet.Port.Value));
        Assert.Equal(("/alive", "http"), (container.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Port.Value));
        Assert.Equal(("/health", "http"), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
        var service = Assert.Single(Service(objects, "dashboard").Spec.Ports);
        Assert.Equal(("http", 8081, "http"), (service.Name, service.Port, service.TargetPort.Value));
        // The gRPC services keep their gRPC port; their startup probe is on the HTTP port too, as kubelet's gRPC probe
        // cannot speak the TLS they serve (ChartTlsTests).
        Assert.Contains(Container(objects, "twin-state").Ports, p => (p.Name, p.ContainerPort) == ("grpc", 8080));
        Assert.Equal(("/alive", "http"), (Container(objects, "twin-state").StartupProbe.HttpGet.Path, Container(objects, "twin-state").StartupProbe.HttpGet.Port.Value));
    }

    [Fact]
    public async Task The_dashboard_calls_twin_query_and_alert_desk_at_the_releases_own_services()
    {
        var objects = await chart.RenderAsync([.. Required, "services.twinState.ports.grpc=9090"]);

        var environment = Environment(objects, "dashboard");
        Assert.Equal("https://vitaltwin-twin-state:9090", environment["Dashboard__TwinState"]);
        Assert.Equal("https://vitaltwin-notification:8080", environment["Dashboard__Notification"]);
        Assert.Contains(Service(objects, "twin-state").Spec.Ports, p => p.Port == 9090 && p.Name == "grpc");
        Assert.Contains(Service(objects, "notification").Spec.Ports, p => p.Port == 8080 && p.Name == "grpc");
    }

    [Fact]
    public async Task A_dashboard_calling_a_service_the_release_does_not_run_is_refused()
    {
        var refusal = await chart.RefusalAsync([.. Required, "services.notification.enabled=false"]);

        Assert.Contains("services.notification, which is not enabled", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dashboard_signs_in_at_the_hospitals_provider_with_the_client_secret_from_the_named_secret()
    {
        var objects = await chart.RenderAsync(Required);

        var environment = Environment(objects, "dashboard");
        Assert.Equal("OpenIdConnect", environment["Dashboard__SignIn__Mode"]);
        Assert.Equal(Provider, environment["Dashboard__SignIn__Authority"]);
        Assert.Equal("vitaltwin-dashboard", environment["Dashboard__SignIn__ClientId"]);
        Assert.Equal("vitaltwin", environment["Dashboard__SignIn__Scopes__0"]);
        var secret = Env(objects, "dashboard").Single(e => e.Name == "Dashboard__SignIn__ClientSecret").ValueFrom.SecretKeyRef;
        Assert.Equal(("vitaltwin-dashboard-oidc", "client-secret"), (secret.Name, secret.Key));
        Assert.NotEqual(true, secret.Optional);
        Assert.DoesNotContain(objects.OfType<V1ConfigMap>(), map => map.Data?.Keys.Any(key => key.Contains("Secret", StringComparison.OrdinalIgnoreCase)) == true);
    }

    [Fact]
    public async Task The_dashboards_own_provider_and_a_public_client_are_values()
    {
        var objects = await chart.RenderAsync([.. Required, "dashboard.signIn.authority=https://sso.hospital.example", "dashboard.signIn.clientSecret.secretName=", "dashboard.signIn.scopes={vitaltwin,offline_access}"]);

        var environment = Environment(objects, "dashboard");
        Assert.Equal("https://sso.hospital.example", environment["Dashboard__SignIn__Authority"]);
        Assert.Equal(("vitaltwin", "offline_access"), (environment["Dashboard__SignIn__Scopes__0"], environment["Dashboard__SignIn__Scopes__1"]));
        Assert.DoesNotContain("Dashboard__SignIn__ClientSecret", environment.Keys);
    }

    [Fact]
    public async Task No_value_makes_the_chart_sign_in_locally()
    {
        // Past the schema (which refuses the key: ValuesSchemaTests), through a service's config and its secrets.
        var objects = await chart.RenderAsync(
            [.. Required, "--skip-schema-validation", "services.dashboard.config.Dashboard__SignIn__Mode=Local",
            "services.dashboard.secretEnv[0].name=Dashboard__SignIn__Mode", "services.dashboard.secretEnv[0].secretName=mode", "services.dashboard.secretEnv[0].key=mode"]);

        Assert.Equal("Local", Assert.Single(objects.OfType<V1ConfigMap>(), map => map.Metadata.Name == "vitaltwin-dashboard").Data["Dashboard__SignIn__Mode"]);
        Assert.Equal("OpenIdConnect", Environment(objects, "dashboard")["Dashboard__SignIn__Mode"]);
    }

    [Fact]
    public async Task Every_dashboard_replica_mounts_the_one_key_ring_it_is_told_to_keep_its_keys_in()
    {
        var objects = await chart.RenderAsync(Required);

        var keysDirectory = Environment(objects, "dashboard")["Dashboard__Hosting__KeysDirectory"];
        var mount = Assert.Single(Container(objects, "dashboard").VolumeMounts, m => m.MountPath == keysDirectory);
        Assert.NotEqual(true, mount.ReadOnlyProperty);
        var volume = Assert.Single(Deployment(objects, "dashboard").Spec.Template.Spec.Volumes, v => v.Name == mount.Name);
        var claim = Assert.Single(objects.OfType<V1PersistentVolumeClaim>());
        Assert.Equal(claim.Metadata.Name, volume.PersistentVolumeClaim.ClaimName);
        Assert.Equal(["ReadWriteMany"], claim.Spec.AccessModes);
        Assert.True(Assert.Single(objects.OfType<V2HorizontalPodAutoscaler>(), h => h.Spec.ScaleTargetRef.Name == "vitaltwin-dashboard").Spec.MinReplicas >= 2);
        Assert.Equal(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], Environment(objects, "dashboard").Where(e => e.Key.StartsWith("Dashboard__Hosting__TrustedProxies__", StringComparison.Ordinal)).Select(e => e.Value));
    }

    [Fact]
    public async Task An_existing_claim_holds_the_key_ring_instead_of_a_new_one()
    {
        var objects = await chart.RenderAsync([.. Required, "dashboard.keyRing.existingClaim=ward-dashboard-keys"]);

        Assert.Empty(objects.OfType<V1PersistentVolumeClaim>());
        Assert.Contains(Deployment(objects, "dashboard").Spec.Template.Spec.Volumes, v => v.PersistentVolumeClaim?.ClaimName == "ward-dashboard-keys");
    }

    [Fact]
    public async Task The_ingress_serves_its_host_over_tls_and_keeps_each_browser_on_one_replica()
    {
        Assert.Empty((await chart.RenderAsync(Required)).OfType<V1Ingress>());

        var objects = await chart.RenderAsync([.. Required, "dashboard.ingress.enabled=true", "dashboard.ingress.host=ward.hospital.example", "dashboard.ingress.tls.secretName=ward-tls", "dashboard.ingress.className=nginx"]);

        var ingress = Assert.Single(objects.OfType<V1Ingress>());
        var tls = Assert.Single(ingress.Spec.Tls);
        Assert.Equal(["ward.hospital.example"], tls.Hosts);
        Assert.Equal("ward-tls", tls.SecretName);
        Assert.Equal("nginx", ingress.Spec.IngressClassName);
        var rule = Assert.Single(ingress.Spec.Rules);
        Assert.Equal("ward.hospital.example", rule.Host);
        var backend = Assert.Single(rule.Http.Paths).Backend.Service;
        Assert.Equal("vitaltwin-dashboard", backend.Name);
        Assert.Contains(Service(objects, "dashboard").Spec.Ports, p => p.Name == backend.Port.Name);
        Assert.Equal("cookie", ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/affinity"]);
        Assert.Equal("true", ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/session-cookie-secure"]);
    }

    [Fact]
    public async Task An_ingress_without_a_host_is_refused()
    {
        var refusal = await chart.RefusalAsync([.. Required, "dashboard.ingress.enabled=true"]);

        Assert.Contains("dashboard.ingress.host is required", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_network_policies_let_the_dashboard_reach_twin_query_alert_desk_and_the_provider_and_browsers_reach_the_dashboard()
    {
        var objects = await chart.RenderAsync(Required);
        var dashboard = Labels(objects, "dashboard");
        var policy = Policy(objects, "dashboard");

        Assert.True(Sends(policy, Labels(objects, "twin-state"), 8080), "The dashboard may not call TwinQuery.");
        Assert.True(Sends(policy, Labels(objects, "notification"), 8080), "The dashboard may not call AlertDesk.");
        Assert.True(Sends(policy, Outside, 443), "The dashboard may not reach the identity provider.");
        Assert.False(Sends(policy, Outside, 9092), "The dashboard may reach Kafka, which it never reads.");
        Assert.False(Sends(policy, Labels(objects, "gateway"), 8080), "The dashboard may call the Gateway.");
        Assert.True(Admits(objects, "twin-state", dashboard, 8080), "TwinQuery refuses the dashboard.");
        Assert.True(Admits(objects, "notification", dashboard, 8080), "AlertDesk refuses the dashboard.");
        Assert.False(Admits(objects, "anomaly-detection", dashboard, 8080), "AnomalyDetection admits the dashboard.");
        Assert.True(Admits(objects, "dashboard", IngressControllerPod, 8081), "Browsers cannot reach the dashboard.");
        Assert.False(Admits(objects, "twin-state", IngressControllerPod, 8080), "TwinQuery admits anyone.");
    }

    [Fact]
    public async Task With_an_authority_every_service_may_fetch_the_providers_keys_and_without_one_none_but_the_dashboard()
    {
        var withAuthority = await chart.RenderAsync(Required);
        var withKeys = await chart.RenderAsync(Required[0], "auth.signingKeys={-----BEGIN PUBLIC KEY-----}");

        foreach (var component in new[] { "gateway", "anomaly-detection", "twin-state", "notification", "dashboard" })
        {
            Assert.True(Sends(Policy(withAuthority, component), Outside, 443), $"{component} cannot fetch the provider's keys.");
            Assert.Equal(component == "dashboard", Sends(Policy(withKeys, component), Outside, 443));
        }
    }

    [Fact]
    public async Task Without_the_dashboard_twin_query_and_alert_desk_admit_it_no_longer()
    {
        var objects = await chart.RenderAsync([.. Required, "services.dashboard.enabled=false"]);

        Assert.DoesNotContain(objects.OfType<V1Deployment>(), d => d.Metadata.Name == "vitaltwin-dashboard");
        Assert.False(Admits(objects, "twin-state", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "dashboard", ["app.kubernetes.io/instance"] = "vitaltwin" }, 8080));
        Assert.Empty(objects.OfType<V1PersistentVolumeClaim>());
    }

    [Fact]
    public async Task The_dashboard_keeps_one_replica_serving_through_a_disruption_like_every_service()
    {
        var objects = await chart.RenderAsync(Required);

        var budget = Assert.Single(objects.OfType<V1PodDisruptionBudget>(), b => b.Metadata.Name == "vitaltwin-dashboard");
        Assert.Equal("1", budget.Spec.MaxUnavailable.Value);
        Assert.True(budget.Spec.Selector.MatchLabels.All(l => Labels(objects, "dashboard")[l.Key] == l.Value));
    }

    [Theory]
    [MemberData(nameof(ValuesSchemaTests.ExampleValuesFiles), MemberType = typeof(ValuesSchemaTests))]
    public async Task The_chart_with_each_example_passes_helm_lint_strict(string file)
    {
        var (exitCode, output, errors) = await chart.HelmAsync(["lint", chart.ChartDirectory, "--strict", "--values", Path.Combine(chart.ChartDirectory, "ci", file)]);

        Assert.True(exitCode == 0, $"{output}{errors}");
    }

    private static V1Service Service(IReadOnlyList<object> objects, string component) =>
        Assert.Single(objects.OfType<V1Service>(), s => s.Metadata.Name == $"vitaltwin-{component}");

    private static V1NetworkPolicy Policy(IReadOnlyList<object> objects, string component) =>
        Assert.Single(objects.OfType<V1NetworkPolicy>(), p => p.Metadata.Name == $"vitaltwin-{component}");

    private static IDictionary<string, string> Labels(IReadOnlyList<object> objects, string component) =>
        Deployment(objects, component).Spec.Template.Metadata.Labels;

    private static IList<V1EnvVar> Env(IReadOnlyList<object> objects, string component) => Container(objects, component).Env;

    /// <summary>Whether the component's NetworkPolicy admits a pod of this namespace with these labels to this port.</summary>
    private static bool Admits(IReadOnlyList<object> objects, string component, IDictionary<string, string> peer, int port)
    {
        var ports = Container(objects, component).Ports;
        return Policy(objects, component).Spec.Ingress.Any(rule =>
            Matches(rule.FromProperty, peer) &&
            (rule.Ports is not { Count: > 0 } || rule.Ports.Any(p => p.Port.Value == port.ToString(System.Globalization.CultureInfo.InvariantCulture) || ports.Any(c => c.Name == p.Port.Value && c.ContainerPort == port))));
    }

    /// <summary>Whether this egress policy lets its pods send to a pod of this namespace with these labels (none: an address outside the cluster).</summary>
    private static bool Sends(V1NetworkPolicy policy, IDictionary<string, string> destination, int port) =>
        policy.Spec.Egress.Any(rule =>
            (destination.Count > 0 ? Matches(rule.To, destination) : rule.To is not { Count: > 0 }) &&
            (rule.Ports is not { Count: > 0 } || rule.Ports.Any(p => p.Port.Value == port.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    private static bool Matches(IList<V1NetworkPolicyPeer>? peers, IDictionary<string, string> labels) =>
        peers is not { Count: > 0 } ||
        peers.Any(peer => peer.NamespaceSelector is null && peer.IpBlock is null &&
            (peer.PodSelector.MatchLabels ?? new Dictionary<string, string>()).All(l => labels.TryGetValue(l.Key, out var value) && value == l.Value));
}
