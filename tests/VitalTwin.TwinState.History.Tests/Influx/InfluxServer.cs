using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace VitalTwin.TwinState.History.Tests.Influx;

/// <summary>
/// A real Debian influxd 1.6.7 on free loopback ports with its own temporary directories. It can be stopped
/// and started again on the same port and data, which is how the outage tests take InfluxDB down.
/// </summary>
internal sealed class InfluxServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly string _executable;
    private readonly string _root;
    private readonly string _configPath;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly HttpClient _http;
    private Process? _process;

    private InfluxServer(string executable)
    {
        _executable = executable;
        _root = Directory.CreateTempSubdirectory("vitaltwin-influxd-").FullName;
        _configPath = Path.Combine(_root, "influxdb.conf");
        var (httpPort, rpcPort) = TwoFreeLoopbackPorts();
        HttpPort = httpPort;
        Url = new Uri($"http://127.0.0.1:{HttpPort}/");
        _http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(10) };
        File.WriteAllText(_configPath, Config(_root, rpcPort, HttpPort));
    }

    public int HttpPort { get; }

    public Uri Url { get; }

    public static async Task<InfluxServer> StartAsync()
    {
        var server = new InfluxServer(FindExecutable());
        await server.StartAsync(CancellationToken.None);
        return server;
    }

    public async Task StartAsync(CancellationToken ct)
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("influxd is already running.");
        }

        var start = new ProcessStartInfo(_executable)
        {
            ArgumentList = { "run", "-config", _configPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitForPingAsync(process, ct);
    }

    /// <summary>Kills influxd the hard way, as a crash or a lost node would.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
        process.Dispose();
    }

    public async Task ExecuteAsync(string influxQl, CancellationToken ct)
    {
        using var body = new FormUrlEncodedContent([new("q", influxQl)]);
        using var response = await _http.PostAsync("query", body, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode || text.Contains("\"error\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"influxd refused '{influxQl}': {(int)response.StatusCode} {text}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _http.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the dying process; the temp folder is cleaned by the OS anyway.
        }
    }

    private async Task WaitForPingAsync(Process process, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StartTimeout);
        using var timer = new PeriodicTimer(PollInterval);
        try
        {
            do
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"influxd exited with code {process.ExitCode} while starting:\n{RecentOutput()}");
                }

                try
                {
                    using var response = await _http.GetAsync("ping", timeout.Token);
                    if (response.StatusCode == HttpStatusCode.NoContent)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
            }
            while (await timer.WaitForNextTickAsync(timeout.Token));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"influxd did not answer /ping within {StartTimeout}:\n{RecentOutput()}");
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 40 && _output.TryDequeue(out _))
        {
        }
    }

    private string RecentOutput() => string.Join('\n', _output);

    private static string FindExecutable()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin")
            .Select(dir => Path.Combine(dir, "influxd"));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "influxd was not found. These tests run against a real InfluxDB 1.x: install the Debian package 'influxdb' (apt-get update && apt-get install -y influxdb).");
    }

    // Both listeners are held open together so that the OS cannot hand out the same port twice.
    private static (int First, int Second) TwoFreeLoopbackPorts()
    {
        var first = new TcpListener(IPAddress.Loopback, 0);
        var second = new TcpListener(IPAddress.Loopback, 0);
        try
        {
            first.Start();
            second.Start();
            return (((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port);
        }
        finally
        {
            first.Stop();
            second.Stop();
        }
    }

    private static string Config(string root, int rpcPort, int httpPort) => $"""
        reporting-disabled = true
        bind-address = "127.0.0.1:{rpcPort}"

        [meta]
          dir = "{root}/meta"

        [data]
          dir = "{root}/data"
          wal-dir = "{root}/wal"
          query-log-enabled = false

        [http]
          enabled = true
          bind-address = "127.0.0.1:{httpPort}"
          auth-enabled = false
          log-enabled = false

        [logging]
          level = "warn"
          suppress-logo = true

        [monitor]
          store-enabled = false

        [continuous_queries]
          enabled = false

        [retention]
          enabled = false

        [subscriber]
          enabled = false
        """;
}
