namespace NetGen;

/// <summary>The training loss of a network, averaged over the samples of a batch.</summary>
public enum LossFunction
{
    /// <summary>Mean squared error <c>½‖y − a‖²</c>, summed over outputs.</summary>
    MeanSquaredError = 0,
    /// <summary>Binary cross-entropy <c>−[y·log a + (1 − y)·log(1 − a)]</c>, summed over outputs; needs sigmoid outputs.</summary>
    BinaryCrossEntropy = 1,
    /// <summary>Multi-class cross-entropy (negative log-likelihood of the true class); needs a softmax output, or a single sigmoid output where it equals binary cross-entropy.</summary>
    CrossEntropy = 2,
}
