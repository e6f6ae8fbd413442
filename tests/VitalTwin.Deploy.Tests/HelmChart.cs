using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using k8s;
using VitalTwin.Deploy.Tests.Strimzi;
using YamlDotNet.RepresentationModel;

namespace VitalTwin.Deploy.Tests;

/// <summary>
/// charts/vitaltwin rendered by Helm itself (the pinned binary charts/Helm.targets fetched for the build). Helm
/// refuses to render a chart whose dependencies are not vendored, and fetching them needs the network, so this
/// renders a copy without the optional Kafka and InfluxDB charts, which are off by default (the Charts target does
/// the same; ChartTemplateTests checks that the chart itself still declares them).
/// </summary>
public sealed class HelmChart : IDisposable
{
    private static readonly TimeSpan HelmTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Custom resources the chart renders, with the typed model each is read into.</summary>
    private static readonly Dictionary<string, Type> CustomResources = new()
    {
        [$"{KafkaTopic.ApiGroupVersion}/KafkaTopic"] = typeof(KafkaTopic),
    };

    private readonly ConcurrentDictionary<string, Task<IReadOnlyList<object>>> _examples = new(StringComparer.Ordinal);

    private readonly string _copy = Directory.CreateTempSubdirectory("vitaltwin-chart-").FullName;

    private readonly string _helmHome = Directory.CreateTempSubdirectory("vitaltwin-helm-home-").FullName;

    public HelmChart()
    {
        // Leaves out charts/, where `helm dependency build` puts the optional charts on a machine that fetched them.
        foreach (var file in Directory.EnumerateFiles(Repository.Chart, "*", SearchOption.AllDirectories)
            .Where(file => !Path.GetRelativePath(Repository.Chart, file).StartsWith("charts" + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            var target = Path.Combine(_copy, Path.GetRelativePath(Repository.Chart, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var chart = new YamlStream();
        chart.Load(new StringReader(File.ReadAllText(Path.Combine(_copy, "Chart.yaml"))));
        ((YamlMappingNode)chart.Documents[0].RootNode).Children.Remove(new YamlScalarNode("dependencies"));
        using var writer = new StreamWriter(Path.Combine(_copy, "Chart.yaml"));
        chart.Save(writer, assignAnchors: false);
    }

    public static string Binary { get; } =
        typeof(HelmChart).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Helm").Value!;

    /// <summary>The copy Helm reads.</summary>
    public string ChartDirectory => _copy;

    /// <summary>Changes one file of this copy (a test breaking the chart on purpose); the change must change it.</summary>
    public void Rewrite(string relativePath, Func<string, string> change)
    {
        var path = Path.Combine(_copy, relativePath);
        var before = File.ReadAllText(path);
        var after = change(before);
        Assert.NotEqual(before, after);
        File.WriteAllText(path, after);
    }

    /// <summary>The objects rendered with one of the chart's example values files (ci/*-values.yaml), rendered once.</summary>
    public Task<IReadOnlyList<object>> RenderExampleAsync(string valuesFile) =>
        _examples.GetOrAdd(valuesFile, file => RenderAsync($"--values={Path.Combine(_copy, "ci", file)}"));

    /// <summary>
    /// The objects <c>helm template</c> renders as release "vitaltwin" with these settings (each a --set value, or
    /// a flag starting with "--"), read strictly into the API types.
    /// </summary>
    public async Task<IReadOnlyList<object>> RenderAsync(params string[] settings)
    {
        var (exitCode, output, errors) = await HelmAsync(TemplateArguments(settings));
        Assert.True(exitCode == 0, $"helm template failed: {errors}");
        return KubernetesYaml.LoadAllFromString(output, CustomResources, strict: true);
    }

    /// <summary>What Helm says when it refuses to render these settings.</summary>
    public async Task<string> RefusalAsync(params string[] settings)
    {
        var (exitCode, _, errors) = await HelmAsync(TemplateArguments(settings));
        Assert.True(exitCode != 0, "helm template rendered values it should have refused.");
        return errors;
    }

    private IEnumerable<string> TemplateArguments(string[] settings) =>
        ["template", "vitaltwin", _copy, "--namespace", "vitaltwin", .. settings.SelectMany(s => s.StartsWith("--", StringComparison.Ordinal) ? [s] : new[] { "--set", s })];

    public async Task<(int ExitCode, string Output, string Errors)> HelmAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Helm keeps its caches and repositories under these; none of the developer's own may leak in.
        start.Environment["HELM_CACHE_HOME"] = Path.Combine(_helmHome, "cache");
        start.Environment["HELM_CONFIG_HOME"] = Path.Combine(_helmHome, "config");
        start.Environment["HELM_DATA_HOME"] = Path.Combine(_helmHome, "data");
        using var helm = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(HelmTimeout);
        var output = helm.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = helm.StandardError.ReadToEndAsync(timeout.Token);
        await helm.WaitForExitAsync(timeout.Token);
        return (helm.ExitCode, await output, await errors);
    }

    public void Dispose()
    {
        Directory.Delete(_copy, recursive: true);
        Directory.Delete(_helmHome, recursive: true);
    }
}
