using System.Diagnostics;
using System.Runtime.InteropServices;

namespace VitalTwin.DevHost;

/// <summary>
/// One VitalTwin program running as a child process. Stopping sends SIGTERM first so the program shuts
/// down as it would in Kubernetes (consumers commit and leave their group), and kills only if it hangs.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServiceProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    /// <summary>
    /// Starts <paramref name="assemblyName"/>, found beside this program in the build output, with
    /// configuration given as environment variables. Every output line goes to <paramref name="output"/>.
    /// </summary>
    public static ServiceProcess Start(string name, string assemblyName, IReadOnlyDictionary<string, string> environment, Action<string, string> output)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(output);
        var assembly = BuildOutput.Locate(assemblyName);
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(assembly);
        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output(name, e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output(name, e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(name, process);
    }

    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }
        if (OperatingSystem.IsWindows() || Kill(_process.Id, SigTerm) != 0)
        {
            _process.Kill(entireProcessTree: true);
        }
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>Kills the process outright, as a crash or an OOM kill would: nothing is flushed or committed.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
