namespace Kiln.Pipeline;

/// <summary>The person at a plain (non-live) console: interactive only when stdin is a terminal and this is not CI.</summary>
public sealed class ConsoleInteraction(TextWriter prompts) : IInteraction
{
    public bool IsInteractive => !Console.IsInputRedirected && !BuildConsoles.IsContinuousIntegration;

    public async Task WaitForEnterAsync(string prompt, CancellationToken cancellationToken)
    {
        await prompts.WriteLineAsync(prompt);
        await prompts.FlushAsync(cancellationToken);
        // Console.ReadLine cannot be cancelled; the wait can, and the read is abandoned with the process.
        await Task.Run(Console.ReadLine, CancellationToken.None).WaitAsync(cancellationToken);
    }
}
