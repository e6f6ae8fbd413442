using System.Diagnostics;
using System.Text;

namespace VitalTwin.Simulator.Tests;

/// <summary>The simulator program running as a process of its own, for modes that stream until stopped; disposing kills it.</summary>
internal sealed class SimulatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SimulatorProcess(Process process) => _process = process;

    /// <summary>What the program wrote so far, standard output and error interleaved.</summary>
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

    public static SimulatorProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "VitalTwin.Simulator.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        var process = new Process { StartInfo = start };
        var running = new SimulatorProcess(process);
        process.OutputDataReceived += (_, line) => running.Append(line.Data);
        process.ErrorDataReceived += (_, line) => running.Append(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
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

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        _process.Dispose();
    }
}
