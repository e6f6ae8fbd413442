using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VitalTwin.Simulator.Extensions;
using VitalTwin.Simulator.Streaming;

namespace VitalTwin.Simulator.Tests;

/// <summary>The simulator program: which mode its arguments select, and the program itself run as a process.</summary>
public class CommandLineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void Without_a_scenario_or_a_recording_the_built_in_ward_runs_as_before()
    {
        using var host = Build("--gateway", "http://127.0.0.1:5101");

        Assert.IsType<WardSimulator>(Assert.Single(host.Services.GetServices<IHostedService>()));
        var options = host.Services.GetRequiredService<IOptions<SimulatorOptions>>().Value;
        Assert.Equal((20, 3, 1.0), (options.Patients, options.Deteriorating, options.RateHz));
    }

    [Fact]
    public void Scenario_speed_and_timestamps_switches_select_the_scenario_streamer()
    {
        using var host = Build("--gateway", "http://127.0.0.1:5101", "--scenario", TestScenarios.ScenarioFile("smoke.json"), "--speed", "60", "--timestamps", "recorded");

        Assert.IsType<ScenarioStreamer>(Assert.Single(host.Services.GetServices<IHostedService>()));
        var options = host.Services.GetRequiredService<IOptions<SimulatorOptions>>().Value;
        Assert.Equal((60.0, TimestampMode.Recorded), (options.Speed, options.Timestamps));
    }

    [Fact]
    public void The_replay_switch_selects_the_replay_streamer()
    {
        var recording = TempRecording("timestamp,patient,code,value,unit\n2025-01-06T08:00:00Z,p,8867-4,72,/min\n");
        try
        {
            using var host = Build("--gateway", "http://127.0.0.1:5101", "--replay", recording);

            Assert.IsType<ReplayStreamer>(Assert.Single(host.Services.GetServices<IHostedService>()));
        }
        finally
        {
            File.Delete(recording);
        }
    }

    [Theory]
    [InlineData("Give a scenario or a recording to replay, not both", "--scenario", "smoke.json", "--replay", "smoke.json")]
    [InlineData("does not exist", "--scenario", "no-such-scenario.json")]
    [InlineData("A dry run generates a scenario", "--dry-run", "true")]
    [InlineData("Speed", "--scenario", "smoke.json", "--speed", "0")]
    public void Contradictory_or_missing_inputs_fail_validation(string problem, params string[] args)
    {
        var resolved = args.Select(a => a == "smoke.json" ? TestScenarios.ScenarioFile(a) : a);
        using var host = Build(["--gateway", "http://127.0.0.1:5101", .. resolved]);

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<SimulatorOptions>>().Value);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_program_replays_a_recording_to_a_gateway_and_exits()
    {
        await using var gateway = await FakeGateway.StartAsync(TimeProvider.System);
        var recording = TempRecording("""
            timestamp,patient,code,value,unit
            2025-01-06T08:00:00Z,erin,8867-4,88,/min
            2025-01-06T08:00:01Z,erin,59408-5,94,%
            2025-01-06T08:00:02Z,erin,8480-6,101,mm[Hg]
            """);
        try
        {
            var (exitCode, output) = await RunProgramAsync("--replay", recording, "--gateway", gateway.Address, "--speed", "100");

            Assert.True(exitCode == 0, output);
            Assert.Equal([88.0, 94, 101], gateway.State.Accepted.OrderBy(r => r.SequenceNumber).Select(r => r.Value));
            Assert.Contains("3 readings sent, 3 accepted, 0 rejected", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(recording);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("a-clinicians-token")]
    public async Task A_simulator_the_gateway_will_not_let_register_exits_non_zero_saying_where_its_token_goes(string? token)
    {
        await using var gateway = await FakeGateway.StartAsync(TimeProvider.System);
        gateway.State.RegistrarToken = "a-registrars-token";
        var recording = TempRecording("""
            timestamp,patient,code,value,unit
            2025-01-06T08:00:00Z,erin,8867-4,88,/min
            """);
        try
        {
            var (exitCode, output) = await RunProgramAsync(Token(token), "--replay", recording, "--gateway", gateway.Address);

            Assert.NotEqual(0, exitCode);
            Assert.Contains("Simulator__AccessToken", output, StringComparison.Ordinal);
            Assert.Empty(gateway.State.Accepted);
        }
        finally
        {
            File.Delete(recording);
        }
    }

    [Fact]
    public async Task A_simulator_given_a_registrars_token_in_its_environment_registers_its_devices()
    {
        await using var gateway = await FakeGateway.StartAsync(TimeProvider.System);
        gateway.State.RegistrarToken = "a-registrars-token";
        var recording = TempRecording("""
            timestamp,patient,code,value,unit
            2025-01-06T08:00:00Z,erin,8867-4,88,/min
            """);
        try
        {
            var (exitCode, output) = await RunProgramAsync(Token("a-registrars-token"), "--replay", recording, "--gateway", gateway.Address);

            Assert.True(exitCode == 0, output);
            Assert.Equal(["Bearer a-registrars-token"], gateway.State.RegistrationAuthorizations);
            Assert.Single(gateway.State.Accepted);
        }
        finally
        {
            File.Delete(recording);
        }
    }

    [Fact]
    public async Task The_program_refuses_an_invalid_scenario_naming_the_field()
    {
        var scenario = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(scenario, """{ "name": "x", "seed": 1, "duration": "1h", "cohort": { "size": 2 }, "events": [ { "kind": "sepsys", "patients": 1, "onset": "5m" } ] }""");
        try
        {
            var (exitCode, output) = await RunProgramAsync("--scenario", scenario, "--dry-run", "true");

            Assert.NotEqual(0, exitCode);
            Assert.Contains("events[0].kind: 'sepsys' is not one of", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(scenario);
        }
    }

    private static IHost Build(params string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, DisableDefaults = true });
        builder.AddSimulator(args);
        return builder.Build();
    }

    private static string TempRecording(string csv)
    {
        var path = Path.Combine(Path.GetTempPath(), $"recording-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, csv);
        return path;
    }

    private static Dictionary<string, string?> Token(string? token) => new() { ["Simulator__AccessToken"] = token };

    private static Task<(int ExitCode, string Output)> RunProgramAsync(params string[] args) => RunProgramAsync(new Dictionary<string, string?>(), args);

    private static async Task<(int ExitCode, string Output)> RunProgramAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "VitalTwin.Simulator.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
