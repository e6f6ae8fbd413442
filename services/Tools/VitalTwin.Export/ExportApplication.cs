using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Export.Extensions;
using VitalTwin.TwinState.History;

namespace VitalTwin.Export;

/// <summary>The command: parse, configure, validate, export; every failure ends in one clear line on the error stream and an exit code.</summary>
internal static class ExportApplication
{
    public const int Succeeded = 0;
    public const int Failed = 1;
    public const int BadInput = 2;
    public const int Cancelled = 130;

    /// <param name="args">The command line: <see cref="ExportRequest.Parse"/>.</param>
    /// <param name="output">Receives the closing line, <c>Export: …</c>.</param>
    /// <param name="error">Receives the reason of a failure.</param>
    /// <param name="configure">Last changes to the host before it is built (tests add configuration and loggers here).</param>
    /// <param name="ct">Stops the export, as Ctrl-C and SIGTERM do.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Action<HostApplicationBuilder>? configure, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ExportRequest request;
        try
        {
            request = ExportRequest.Parse(args, TimeProvider.System.GetUtcNow());
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync(e.Message);
            return BadInput;
        }

        // The command line is parsed above and kept out of configuration: a key passed there would sit in the process list.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "VitalTwin.Export",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        });
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        builder.AddPopulationExport();
        configure?.Invoke(builder);

        using var host = builder.Build();
        // Validated here rather than by StartAsync, which would log each failure with a stack trace before rethrowing.
        try
        {
            host.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (Exception e) when (e is OptionsValidationException or AggregateException)
        {
            var failures = e is AggregateException all ? all.InnerExceptions : [e];
            foreach (var failure in failures.OfType<OptionsValidationException>().SelectMany(invalid => invalid.Failures))
            {
                await error.WriteLineAsync(failure);
            }

            return BadInput;
        }

        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct, stopping);
        try
        {
            await host.StartAsync(cancel.Token);
            var manifest = await host.Services.GetRequiredService<PopulationExport>().RunAsync(request, cancel.Token);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Export: {manifest.Counts.PatientsExported} patients, {manifest.Counts.Readings} readings in {Path.GetFullPath(request.OutputDirectory)} (key id {manifest.Pseudonymisation.KeyId})"));
            return Succeeded;
        }
        catch (ExportException e)
        {
            await error.WriteLineAsync(e.Message);
            return Failed;
        }
        catch (InvalidHistoryQueryException e)
        {
            // The history store's messages name no patient or value.
            await error.WriteLineAsync($"The history store refused the query: {e.Message}");
            return Failed;
        }
        catch (HttpRequestException e)
        {
            // InfluxQueryClient's messages leave out anything that could quote a query, and with it a patient id.
            await error.WriteLineAsync($"InfluxDB could not be queried: {e.Message}. Check History:Influx:Url and that InfluxDB is running.");
            return Failed;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            await error.WriteLineAsync("InfluxDB did not answer within History:Influx:RequestTimeout.");
            return Failed;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("Export cancelled; its partial output was removed.");
            return Cancelled;
        }
        catch (IOException e)
        {
            await error.WriteLineAsync($"The dataset could not be written: {e.Message}");
            return Failed;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
