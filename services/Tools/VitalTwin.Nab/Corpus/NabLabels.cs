using System.Text.Json;

namespace VitalTwin.Nab.Corpus;

/// <summary>NAB's <c>labels/combined_windows.json</c>: each data file's anomaly windows as [start, end] timestamps.</summary>
public sealed class NabLabels
{
    private readonly Dictionary<string, IReadOnlyList<(DateTime Start, DateTime End)>> _windows;

    private NabLabels(Dictionary<string, IReadOnlyList<(DateTime Start, DateTime End)>> windows) => _windows = windows;

    public static NabLabels Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var windows = new Dictionary<string, IReadOnlyList<(DateTime Start, DateTime End)>>(StringComparer.Ordinal);
        foreach (var file in document.RootElement.EnumerateObject())
        {
            windows[file.Name] = file.Value.EnumerateArray()
                .Select(pair => (NabTimestamp.Parse(pair[0].GetString()!), NabTimestamp.Parse(pair[1].GetString()!)))
                .ToList();
        }

        return new NabLabels(windows);
    }

    public IReadOnlyList<(DateTime Start, DateTime End)> WindowsOf(string name) =>
        _windows.TryGetValue(name, out var windows)
            ? windows
            : throw new InvalidDataException($"The labels file has no entry for {name}.");
}
