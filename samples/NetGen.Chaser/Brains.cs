using NetGen;
using static NetGen.Activation;

namespace NetGen.Samples.Chaser;

/// <summary>
/// The shipped controller: 8 observations → 32 tanh → 32 tanh → 2 accelerations in [−1, 1], with its weights baked into
/// the executable from Model/chaser.safetensors. Inference-only: no file, no parameter buffer, nothing allocated per decision.
/// </summary>
[Dense(Arena.ObservationSize, 32, Tanh)]
[Dense(32, 32, Tanh)]
[Dense(32, Arena.ActionSize, Tanh)]
[BakedWeights("Model/chaser.safetensors", InferenceOnly = true)]
public partial class ChaserBrain;

/// <summary>The same architecture, trainable: <c>train</c> fits it to the expert and writes Model/chaser.safetensors.</summary>
[Dense(Arena.ObservationSize, 32, Tanh)]
[Dense(32, 32, Tanh)]
[Dense(32, Arena.ActionSize, Tanh)]
public partial class ChaserBrainTrainer;
