using k8s;
using k8s.Models;
using YamlDotNet.Core;
using static VitalTwin.Deploy.Tests.RenderedObjects;

namespace VitalTwin.Deploy.Tests;

/// <summary>
/// What a cluster would be sent for each example install (charts/vitaltwin/ci), as Helm renders it: every object read
/// strictly into its API type, every workload's pods probed, locked down to the restricted Pod Security Standard and
/// given resource requests, every Service backed by pods of the same release.
/// </summary>
public sealed class RenderedManifestTests(HelmChart chart) : IClassFixture<HelmChart>
{
    /// <summary>Deployments with nothing to probe, and why.</summary>
    private static readonly Dictionary<string, string> Unprobed = new(StringComparer.Ordinal)
    {
        ["vitaltwin-simulator"] = "a client of the Gateway that serves no endpoint (demo and load runs only, off by default)",
    };

    public static TheoryData<string> ExampleValuesFiles() => ValuesSchemaTests.ExampleValuesFiles();

    [Theory]
    [MemberData(nameof(ExampleValuesFiles))]
    public async Task Every_rendered_object_reads_into_its_api_type_with_no_unknown_field(string file)
    {
        // RenderExampleAsync reads strictly: an unknown field or kind has already failed it.
        var objects = await chart.RenderExampleAsync(file);

        Assert.NotEmpty(objects.OfType<V1Deployment>());
        Assert.All(objects, obj =>
        {
            var typed = Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(obj);
            Assert.False(string.IsNullOrEmpty(typed.Metadata?.Name), $"A {typed.Kind} has no metadata.name.");
        });
    }

    [Theory]
    [MemberData(nameof(ExampleValuesFiles))]
    public async Task Every_workload_is_probed_restricted_and_requests_its_resources(string file)
    {
        var objects = await chart.RenderExampleAsync(file);

        Assert.NotEmpty(objects.OfType<V1Deployment>());
        var problems = WorkloadProblems(objects);
        Assert.True(problems.Count == 0, $"With {file}:{System.Environment.NewLine}{string.Join(System.Environment.NewLine, problems)}");
    }

    [Theory]
    [MemberData(nameof(ExampleValuesFiles))]
    public async Task Every_service_selects_the_pods_of_a_workload_in_the_same_release(string file)
    {
        var objects = await chart.RenderExampleAsync(file);

        Assert.NotEmpty(objects.OfType<V1Service>());
        var problems = ServiceProblems(objects);
        Assert.True(problems.Count == 0, $"With {file}:{System.Environment.NewLine}{string.Join(System.Environment.NewLine, problems)}");
    }

    [Fact]
    public async Task A_deployment_missing_a_probe_a_restriction_or_a_request_is_reported()
    {
        var objects = await chart.RenderAsync("--values=" + Path.Combine(chart.ChartDirectory, "ci", "external-kafka-values.yaml"));
        var gateway = Deployment(objects, "gateway");
        var container = Container(objects, "gateway");
        Assert.Empty(WorkloadProblems(objects));

        container.ReadinessProbe = null;
        container.SecurityContext.ReadOnlyRootFilesystem = false;
        container.SecurityContext.AllowPrivilegeEscalation = null;
        container.SecurityContext.Capabilities.Drop = ["NET_RAW"];
        container.SecurityContext.RunAsNonRoot = false;
        container.SecurityContext.SeccompProfile = null;
        gateway.Spec.Template.Spec.SecurityContext.SeccompProfile = new V1SeccompProfile { Type = "Unconfined" };
        container.Resources.Requests.Remove("memory");
        Container(objects, "twin-state").StartupProbe = null;

        Assert.Equal(
            [
                "Deployment vitaltwin-gateway, container gateway: no readiness probe",
                "Deployment vitaltwin-gateway, container gateway: runAsNonRoot is not true",
                "Deployment vitaltwin-gateway, container gateway: readOnlyRootFilesystem is not true",
                "Deployment vitaltwin-gateway, container gateway: allowPrivilegeEscalation is not false",
                "Deployment vitaltwin-gateway, container gateway: capabilities do not drop ALL",
                "Deployment vitaltwin-gateway, container gateway: seccompProfile is Unconfined, not RuntimeDefault",
                "Deployment vitaltwin-gateway, container gateway: no memory request",
                "Deployment vitaltwin-twin-state, container twin-state: no startup probe",
            ],
            WorkloadProblems(objects));
    }

    [Fact]
    public async Task A_service_whose_selector_matches_no_pod_template_is_reported()
    {
        var objects = await chart.RenderAsync("--values=" + Path.Combine(chart.ChartDirectory, "ci", "external-kafka-values.yaml"));
        var services = objects.OfType<V1Service>().ToList();
        Assert.Empty(ServiceProblems(objects));

        services.Single(s => s.Metadata.Name == "vitaltwin-gateway").Spec.Selector["app.kubernetes.io/name"] = "gate-way";
        services.Single(s => s.Metadata.Name == "vitaltwin-notification").Spec.Selector = null;

        Assert.Equal(
            ["Service vitaltwin-gateway selects no pod of this release (app.kubernetes.io/name=gate-way, app.kubernetes.io/instance=vitaltwin)", "Service vitaltwin-notification has no selector"],
            ServiceProblems(objects));
    }

    [Fact]
    public async Task A_misspelt_field_in_a_template_fails_the_render()
    {
        using var broken = new HelmChart();
        broken.Rewrite(Path.Combine("templates", "_service.tpl"), template => template.Replace("readinessProbe:", "readinesProbe:", StringComparison.Ordinal));

        var error = await Assert.ThrowsAnyAsync<YamlException>(() => broken.RenderExampleAsync("external-kafka-values.yaml"));

        Assert.Contains("readinesProbe", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Why each Deployment or Job would not run as a restricted, probed and sized workload: probes on every container
    /// of a Deployment (startup, liveness, readiness), the restricted profile's settings on every container (the
    /// pod's where the container may inherit them), and CPU and memory requests.
    /// </summary>
    private static List<string> WorkloadProblems(IReadOnlyList<object> objects)
    {
        var problems = new List<string>();
        foreach (var deployment in objects.OfType<V1Deployment>())
        {
            var where = $"Deployment {deployment.Metadata.Name}";
            var template = deployment.Spec.Template;
            if (!Selects(deployment.Spec.Selector?.MatchLabels, template.Metadata?.Labels))
            {
                problems.Add($"{where}: its selector does not match its own pod template");
            }

            foreach (var container in template.Spec.Containers.Where(_ => !Unprobed.ContainsKey(deployment.Metadata.Name)))
            {
                var probes = new (string Name, V1Probe? Probe)[] { ("startup", container.StartupProbe), ("liveness", container.LivenessProbe), ("readiness", container.ReadinessProbe) };
                problems.AddRange(probes.Where(p => p.Probe is null).Select(p => $"{where}, container {container.Name}: no {p.Name} probe"));
            }

            problems.AddRange(PodProblems(where, template.Spec));
        }

        foreach (var job in objects.OfType<V1Job>())
        {
            problems.AddRange(PodProblems($"Job {job.Metadata.Name}", job.Spec.Template.Spec));
        }

        return problems;
    }

    private static IEnumerable<string> PodProblems(string workload, V1PodSpec pod)
    {
        foreach (var container in (pod.InitContainers ?? []).Concat(pod.Containers))
        {
            var where = $"{workload}, container {container.Name}";
            var security = container.SecurityContext;
            if ((security?.RunAsNonRoot ?? pod.SecurityContext?.RunAsNonRoot) != true)
            {
                yield return $"{where}: runAsNonRoot is not true";
            }

            if (security?.ReadOnlyRootFilesystem != true)
            {
                yield return $"{where}: readOnlyRootFilesystem is not true";
            }

            if (security?.AllowPrivilegeEscalation != false)
            {
                yield return $"{where}: allowPrivilegeEscalation is not false";
            }

            if (security?.Capabilities?.Drop?.Contains("ALL") != true)
            {
                yield return $"{where}: capabilities do not drop ALL";
            }

            var seccomp = (security?.SeccompProfile ?? pod.SecurityContext?.SeccompProfile)?.Type;
            if (seccomp != "RuntimeDefault")
            {
                yield return $"{where}: seccompProfile is {seccomp ?? "not set"}, not RuntimeDefault";
            }

            foreach (var resource in new[] { "cpu", "memory" }.Where(r => container.Resources?.Requests?.ContainsKey(r) != true))
            {
                yield return $"{where}: no {resource} request";
            }
        }
    }

    /// <summary>Services whose selector matches the pod template of no Deployment, StatefulSet or DaemonSet rendered with them.</summary>
    private static List<string> ServiceProblems(IReadOnlyList<object> objects)
    {
        var podLabels = objects.OfType<V1Deployment>().Select(d => d.Spec.Template.Metadata?.Labels)
            .Concat(objects.OfType<V1StatefulSet>().Select(s => s.Spec.Template.Metadata?.Labels))
            .Concat(objects.OfType<V1DaemonSet>().Select(d => d.Spec.Template.Metadata?.Labels))
            .ToList();
        var problems = new List<string>();
        foreach (var service in objects.OfType<V1Service>())
        {
            var selector = service.Spec.Selector;
            if (selector is not { Count: > 0 })
            {
                problems.Add($"Service {service.Metadata.Name} has no selector");
            }
            else if (!podLabels.Any(labels => Selects(selector, labels)))
            {
                problems.Add($"Service {service.Metadata.Name} selects no pod of this release ({string.Join(", ", selector.Select(l => $"{l.Key}={l.Value}"))})");
            }
        }

        return problems;
    }

    private static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && labels is not null && selector.All(l => labels.TryGetValue(l.Key, out var value) && value == l.Value);
}
