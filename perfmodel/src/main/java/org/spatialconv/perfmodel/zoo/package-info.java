/**
 * The model zoo: ResNet-50, a U-Net for PDE surrogates and "meshnet", described in code as
 * {@link org.spatialconv.perfmodel.net.NetworkSpec}s and looked up by name with
 * {@link org.spatialconv.perfmodel.zoo.ModelZoo}. docs/models.md writes down each model's layers and why.
 */
package org.spatialconv.perfmodel.zoo;
