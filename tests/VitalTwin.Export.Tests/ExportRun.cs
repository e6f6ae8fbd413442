using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace VitalTwin.Export.Tests;

/// <summary>One run of the export command in this process, the way Program runs it, with its exit code, streams, logs and dataset.</summary>
internal sealed class ExportRun
{
    private ExportRun(int exitCode, string output, string error, IReadOnlyList<string> logs, string directory)
    {
        ExitCode = exitCode;
        Output = output;
        Error = error;
        Logs = logs;
        Directory = directory;
    }

    public int ExitCode { get; }

    public string Output { get; }

    public string Error { get; }

    /// <summary>Every log line at every level, with exceptions.</summary>
    public IReadOnlyList<string> Logs { get; }

    public string Directory { get; }

    public string DataPath => Path.Combine(Directory, "vitals.csv");

    public string ManifestPath => Path.Combine(Directory, "manifest.json");

    /// <summary>A fresh base64 key of <paramref name="bytes"/> random bytes.</summary>
    public static string NewKey(int bytes = 32) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));

    /// <summary>Where this test run's datasets go, under the system's temporary folder; <see cref="ExportServers"/> removes it.</summary>
    public static string Root { get; } = Path.Combine(Path.GetTempPath(), $"vitaltwin-export-tests-{Guid.NewGuid():N}");

    /// <summary>A directory no run has used, not yet created.</summary>
    public static string NewDirectory() => Path.Combine(Root, Guid.NewGuid().ToString("N"));

    public static async Task<ExportRun> StartAsync(
        IReadOnlyDictionary<string, string?> settings, DateTimeOffset from, DateTimeOffset to, string? directory = null, CancellationToken ct = default, Action<string>? onLog = null)
    {
        directory ??= NewDirectory();
        var args = new[]
        {
            $"--from={from.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}",
            $"--to={to.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}",
            $"--out={directory}",
        };
        return await StartAsync(args, settings, directory, ct, onLog);
    }

    public static async Task<ExportRun> StartAsync(
        string[] args, IReadOnlyDictionary<string, string?> settings, string directory, CancellationToken ct = default, Action<string>? onLog = null)
    {
        var logs = new LogCapture(onLog);
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var exitCode = await ExportApplication.RunAsync(args, output, error, builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddFilter((_, _) => true);
            builder.Logging.AddProvider(logs);
        }, ct);
        return new ExportRun(exitCode, output.ToString(), error.ToString(), [.. logs.Lines], directory);
    }

    /// <summary>The rows of vitals.csv, after checking its header.</summary>
    public IReadOnlyList<ExportedRow> Rows()
    {
        var lines = File.ReadAllLines(DataPath);
        Assert.Equal("pseudonym,time,loinc,value,unit", lines[0]);
        return [.. lines.Skip(1).Select(ExportedRow.Parse)];
    }

    public JsonElement Manifest()
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(ManifestPath));
        return json.RootElement.Clone();
    }

    /// <summary>Every byte the run wrote: its files, its streams and its logs.</summary>
    public IEnumerable<(string Where, byte[] Bytes)> EverythingWritten()
    {
        foreach (var file in System.IO.Directory.Exists(Directory) ? System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories) : [])
        {
            yield return (file, File.ReadAllBytes(file));
        }

        yield return ("standard output", System.Text.Encoding.UTF8.GetBytes(Output));
        yield return ("standard error", System.Text.Encoding.UTF8.GetBytes(Error));
        yield return ("logs", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', Logs)));
    }

    private sealed class LogCapture(Action<string>? onLog) : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines, onLog);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines, Action<string>? onLog) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                // The structured values too, not only the message: a value left out of the template is still logged.
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
                var line = $"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}";
                lines.Enqueue(line);
                onLog?.Invoke(line);
            }
        }
    }
}

/// <summary>One line of vitals.csv.</summary>
internal sealed record ExportedRow(string Pseudonym, DateTimeOffset Time, string Loinc, double Value, string Unit)
{
    public static ExportedRow Parse(string line)
    {
        var fields = line.Split(',');
        Assert.Equal(5, fields.Length);
        return new ExportedRow(
            fields[0],
            DateTimeOffset.Parse(fields[1], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
            fields[2],
            double.Parse(fields[3], CultureInfo.InvariantCulture),
            fields[4]);
    }
}
