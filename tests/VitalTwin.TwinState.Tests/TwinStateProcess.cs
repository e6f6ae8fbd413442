using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Net.Client;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// TwinState's own program in a process of its own, on the embedded Kafka (which listens on loopback), so that a test
/// can crash it for real: <see cref="KillAsync"/> ends it with SIGKILL, and nothing is checkpointed, committed or
/// handed back.
/// </summary>
internal sealed class TwinStateProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private TwinStateProcess(Process process, string address, GrpcChannel channel)
    {
        _process = process;
        Address = address;
        Channel = channel;
        Query = new TwinQuery.TwinQueryClient(channel);
    }

    public string Address { get; }

    public GrpcChannel Channel { get; }

    public TwinQuery.TwinQueryClient Query { get; }

    /// <summary>What the program wrote, for a failing test's message.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static TwinStateProcess Start(EmbeddedKafkaFixture cluster, KafkaTopics topics, string groupId, IDictionary<string, string?> overrides)
    {
        var grpc = $"http://127.0.0.1:{FreeLoopbackPort()}";
        var settings = cluster.Settings(topics, groupId);
        settings["Kestrel:Endpoints:Grpc:Url"] = grpc;
        settings["Kestrel:Endpoints:Grpc:Protocols"] = "Http2";
        settings["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{FreeLoopbackPort()}";
        settings["Kestrel:Endpoints:Http:Protocols"] = "Http1";
        settings["Logging:LogLevel:Default"] = "Warning";
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "VitalTwin.TwinState.dll"));
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = new Process { StartInfo = start };
        var running = new TwinStateProcess(process, grpc, ApiCallers.Channel(grpc, cluster.Tokens.StaffToken()));
        process.OutputDataReceived += (_, line) => running.Append(line.Data);
        process.ErrorDataReceived += (_, line) => running.Append(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>A crash: SIGKILL, then waits for the process to be gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(TwinStateServer.Patience);
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await KillAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
