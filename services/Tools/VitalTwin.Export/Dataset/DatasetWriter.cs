using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VitalTwin.Clinical;

namespace VitalTwin.Export.Dataset;

/// <summary>
/// Writes the dataset: <c>vitals.csv</c> (RFC 4180, UTF-8, one reading per row) and then <c>manifest.json</c>. Rows go
/// to a <c>.partial</c> file that is renamed only when the export completes; an export that fails or is cancelled
/// leaves nothing that looks like a dataset.
/// </summary>
internal sealed class DatasetWriter : IAsyncDisposable
{
    public const string DataFileName = "vitals.csv";
    public const string ManifestFileName = "manifest.json";

    public static readonly IReadOnlyList<string> Columns = ["pseudonym", "time", "loinc", "value", "unit"];

    private static readonly JsonSerializerOptions ManifestJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    };

    private readonly string _directory;
    private readonly bool _createdDirectory;
    private readonly string _partialPath;
    private readonly StreamWriter _rows;
    private readonly StringBuilder _text = new(1 << 16);
    private bool _completed;

    private DatasetWriter(string directory, bool createdDirectory)
    {
        _directory = directory;
        _createdDirectory = createdDirectory;
        _partialPath = Path.Combine(directory, DataFileName + ".partial");
        _rows = new StreamWriter(new FileStream(_partialPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true), new UTF8Encoding(false))
        {
            NewLine = "\n",
        };
    }

    /// <exception cref="ExportException">The directory already holds a dataset or one being written.</exception>
    public static async Task<DatasetWriter> CreateAsync(string directory, CancellationToken ct)
    {
        var full = Path.GetFullPath(directory);
        foreach (var name in new[] { DataFileName, DataFileName + ".partial", ManifestFileName })
        {
            if (File.Exists(Path.Combine(full, name)))
            {
                throw new ExportException($"{Path.Combine(full, name)} already exists; choose another --out directory or remove the old dataset.");
            }
        }

        var created = !Directory.Exists(full);
        Directory.CreateDirectory(full);
        var writer = new DatasetWriter(full, created);
        await writer._rows.WriteLineAsync(string.Join(',', Columns).AsMemory(), ct);
        return writer;
    }

    public string DirectoryPath => _directory;

    /// <summary>Appends one patient's readings, every time moved by <paramref name="shift"/>.</summary>
    public async Task WriteAsync(string pseudonym, IReadOnlyList<Reading> readings, TimeSpan shift, CancellationToken ct)
    {
        // A slice is formatted whole and written in one call: one awaited write per row cost more than the query.
        _text.Clear();
        foreach (var reading in readings)
        {
            _text.Append(pseudonym).Append(',')
                .Append(CultureInfo.InvariantCulture, $"{(reading.Time + shift).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'}").Append(',');
            AppendField(_text, reading.Loinc);
            _text.Append(',').Append(CultureInfo.InvariantCulture, $"{reading.Value:R}").Append(',');
            AppendField(_text, UnitOf(reading.Loinc));
            _text.Append('\n');
        }

        await _rows.WriteAsync(_text, ct);
    }

    /// <summary>Closes the rows, puts them in place and writes the manifest; returns the manifest written.</summary>
    public async Task<ExportManifest> CompleteAsync(Func<DataFileDescription, ExportManifest> manifest, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        await _rows.FlushAsync(ct);
        await _rows.DisposeAsync();
        var dataPath = Path.Combine(_directory, DataFileName);
        File.Move(_partialPath, dataPath);
        _completed = true;

        string sha256;
        await using (var data = File.OpenRead(dataPath))
        {
            sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(data, ct));
        }

        var written = manifest(new DataFileDescription(DataFileName, Columns, new FileInfo(dataPath).Length, sha256));
        var manifestPath = Path.Combine(_directory, ManifestFileName);
        var partialManifest = manifestPath + ".partial";
        await File.WriteAllBytesAsync(partialManifest, JsonSerializer.SerializeToUtf8Bytes(written, ManifestJson), ct);
        File.Move(partialManifest, manifestPath);
        return written;
    }

    public async ValueTask DisposeAsync()
    {
        await _rows.DisposeAsync();
        if (!_completed)
        {
            File.Delete(_partialPath);
            if (_createdDirectory && !Directory.EnumerateFileSystemEntries(_directory).Any())
            {
                Directory.Delete(_directory);
            }
        }
    }

    // The Gateway normalises every reading to its vital's canonical unit before it reaches history, so the catalogue's
    // unit is the stored one; a code the catalogue does not know gets none rather than a guess.
    private static string UnitOf(string loinc) =>
        VitalCatalogue.Default.TryFind(loinc, null, out var definition) ? definition.CanonicalUnit : string.Empty;

    private static void AppendField(StringBuilder line, string value)
    {
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            line.Append(value);
            return;
        }

        line.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
