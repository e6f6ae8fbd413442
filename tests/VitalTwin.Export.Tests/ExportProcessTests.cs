using System.Diagnostics;
using VitalTwin.Contracts.Consent.V1;

namespace VitalTwin.Export.Tests;

/// <summary>The tool as operators run it: its own process, configuration from its appsettings.json and the environment.</summary>
[Collection(ExportServersCollection.Name)]
public sealed class ExportProcessTests(ExportServers servers)
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task The_tool_takes_its_key_and_servers_from_the_environment_and_exits_zero_with_a_closing_line()
    {
        var cohort = new Cohort();
        var topic = servers.NewConsentTopic();
        var patient = cohort.NewPatient();
        await servers.RecordConsentAsync(topic, patient, ConsentState.Monitoring, researchAllowed: true);
        await servers.StoreAsync(cohort.Minutely(patient, 7));
        var directory = ExportRun.NewDirectory();
        var key = ExportRun.NewKey();

        var (exitCode, output, error) = await RunAsync(topic, key, "--from=2026-03-01", "--to=2026-03-02", $"--out={directory}");

        Assert.True(exitCode == 0, error);
        Assert.Contains("Export: 1 patients, 7 readings in ", output, StringComparison.Ordinal);
        Assert.Contains("Progress: 1/1 patients, 7 readings written", output, StringComparison.Ordinal);
        Assert.Equal(8, File.ReadAllLines(Path.Combine(directory, "vitals.csv")).Length);
        Assert.True(File.Exists(Path.Combine(directory, "manifest.json")));
        Assert.DoesNotContain(key, output + error, StringComparison.Ordinal);
        Assert.DoesNotContain(patient, output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_key_in_the_environment_the_tool_exits_2_and_says_how_to_give_one()
    {
        var directory = ExportRun.NewDirectory();

        var (exitCode, _, error) = await RunAsync(servers.NewConsentTopic(), key: null, "--from=2026-03-01", "--to=2026-03-02", $"--out={directory}");

        Assert.Equal(2, exitCode);
        Assert.Contains("Export:PseudonymKey is required", error, StringComparison.Ordinal);
        Assert.Contains("Export__PseudonymKey", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory));
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(string topic, string? key, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "VitalTwin.Export.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("Export__PseudonymKey");
        foreach (var (name, value) in servers.Settings(topic, key))
        {
            if (!string.IsNullOrEmpty(value))
            {
                start.Environment[name.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The export did not exit within {ExitTimeout}.");
        }

        return (process.ExitCode, await output, await error);
    }
}
