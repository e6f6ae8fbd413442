using System.Diagnostics;

namespace VitalTwin.ContainerSmoke;

/// <summary>The podman command line, one call per command; a failing command throws with what podman printed.</summary>
internal sealed class Podman(string? runtime)
{
    /// <summary>Runs <c>podman</c> with <paramref name="arguments"/> and returns its standard output.</summary>
    public async Task<string> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var (exitCode, output, error) = await TryRunAsync(arguments, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"podman {string.Join(' ', arguments.Take(2))} exited with {exitCode}: {error.Trim()}");
        }
        return output;
    }

    public async Task<(int ExitCode, string Output, string Error)> TryRunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("podman")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The OCI runtime is a global option: podman run and podman build both honour it.
        if (runtime is not null)
        {
            start.ArgumentList.Add("--runtime");
            start.ArgumentList.Add(runtime);
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("podman could not be started.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output, await error);
    }
}
