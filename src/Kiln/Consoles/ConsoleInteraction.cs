using Kiln.Engine;

namespace Kiln.Consoles;

/// <summary>The person at a plain (non-live) console: interactive only when stdin is a terminal and this is not CI.</summary>
internal sealed class ConsoleInteraction(TextWriter prompts) : IInteraction
{
    // Builds fail in parallel; one question at a time, or two reads would race for the same Enter.
    private readonly SemaphoreSlim _gate = new(1, 1);

    public bool IsInteractive => !Console.IsInputRedirected && !BuildConsoles.IsContinuousIntegration;

    public async Task WaitForEnterAsync(string prompt, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await prompts.WriteLineAsync(prompt);
            await prompts.FlushAsync(cancellationToken);
            // Console.ReadLine cannot be cancelled; the wait can, and the read is abandoned with the process.
            await Task.Run(Console.ReadLine, CancellationToken.None).WaitAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }
}
