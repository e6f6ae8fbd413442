using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace VitalTwin.Kafka.Tests;

/// <summary>The host's log in the test's output, to explain a failure.</summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{logLevel} {category}: {formatter(state, exception)}");
            }
            catch (InvalidOperationException)
            {
                // A librdkafka callback after the test ended; there is no output to write to any more.
            }
        }
    }
}
