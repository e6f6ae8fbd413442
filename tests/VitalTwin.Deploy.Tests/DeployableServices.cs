using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace VitalTwin.Deploy.Tests;

/// <summary>A service that ships as a container: services/&lt;Folder&gt;/VitalTwin.&lt;Folder&gt;.</summary>
public sealed record DeployableService(string Folder)
{
    public string ProjectDirectory => Path.Combine(Repository.Services, Folder, $"VitalTwin.{Folder}");

    public string ProjectFile => Path.Combine(ProjectDirectory, $"VitalTwin.{Folder}.csproj");

    /// <summary>As in resource, image and Dockerfile names: AnomalyDetection → anomaly-detection.</summary>
    public string Kebab => Regex.Replace(Folder, "(?<=[a-z0-9])([A-Z])", "-$1").ToLowerInvariant();

    /// <summary>As in the chart's values: AnomalyDetection → anomalyDetection.</summary>
    public string ValuesKey => char.ToLowerInvariant(Folder[0]) + Folder[1..];

    public bool IsWebService => XDocument.Load(ProjectFile).Root!.Attribute("Sdk")!.Value == "Microsoft.NET.Sdk.Web";

    public string AssemblyName => AssemblyNameOf(ProjectFile);

    public static string AssemblyNameOf(string projectFile) =>
        XDocument.Load(projectFile).Descendants("AssemblyName").FirstOrDefault()?.Value ?? Path.GetFileNameWithoutExtension(projectFile);

    /// <summary>
    /// Every folder under services/ with a VitalTwin.&lt;Folder&gt; host project, except DevHost (it runs
    /// everything as local processes on one machine) — so a new service without a Dockerfile fails a test.
    /// </summary>
    public static IReadOnlyList<DeployableService> All { get; } =
        Directory.EnumerateDirectories(Repository.Services)
            .Select(Path.GetFileName)
            .Where(folder => folder != "DevHost")
            .Select(folder => new DeployableService(folder!))
            .Where(service => File.Exists(service.ProjectFile))
            .OrderBy(service => service.Folder, StringComparer.Ordinal)
            .ToList();

    public static DeployableService ByKebab(string kebab) =>
        All.SingleOrDefault(service => service.Kebab == kebab) ?? throw new InvalidOperationException($"No service folder for '{kebab}'.");

    public static TheoryData<string> Folders()
    {
        var data = new TheoryData<string>();
        foreach (var service in All)
        {
            data.Add(service.Folder);
        }

        return data;
    }

    /// <summary>Whether its replicas relay calls to each other (the shared partition routing), so each must reach the others' gRPC port.</summary>
    public bool RegistersPartitionRouting => SourceText(Path.Combine(Repository.Services, Folder)).Contains("AddPartitionRouting()", StringComparison.Ordinal);

    /// <summary>
    /// Whether an environment variable (Section__Key) is configuration this service reads: its path is in the
    /// service's appsettings.json, or every section and key name occurs in the service's or the shared code
    /// (options classes and SectionName constants). Case-insensitive, as .NET binds configuration.
    /// </summary>
    public bool ReadsConfigurationKey(string variable)
    {
        var segments = variable.Split("__");
        var settingsFile = Path.Combine(ProjectDirectory, "appsettings.json");
        if (File.Exists(settingsFile) && PathExists(JsonNode.Parse(File.ReadAllText(settingsFile)), segments))
        {
            return true;
        }

        var code = SourceText(Path.Combine(Repository.Services, Folder)) + SourceText(Path.Combine(Repository.Services, "Shared"));
        return segments.All(segment => Regex.IsMatch(code, $@"\b{Regex.Escape(segment)}\b", RegexOptions.IgnoreCase));
    }

    private static bool PathExists(JsonNode? node, IEnumerable<string> segments)
    {
        foreach (var segment in segments)
        {
            var match = (node as JsonObject)?.FirstOrDefault(pair => string.Equals(pair.Key, segment, StringComparison.OrdinalIgnoreCase));
            if (match?.Key is null)
            {
                return false;
            }

            node = match.Value.Value;
        }

        return true;
    }

    private static readonly Dictionary<string, string> SourceCache = [];

    private static string SourceText(string directory)
    {
        lock (SourceCache)
        {
            if (!SourceCache.TryGetValue(directory, out var text))
            {
                text = string.Join('\n', Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
                    .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                    .Select(File.ReadAllText));
                SourceCache[directory] = text;
            }

            return text;
        }
    }
}
